import type { Firestore, CollectionReference } from 'firebase-admin/firestore';

/** Every document of a database, by path, with subcollections: to prove a store unchanged. */
export async function dumpFirestore(db: Firestore): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const walk = async (collections: CollectionReference[]) => {
    for (const collection of collections) {
      for (const ref of await collection.listDocuments()) {
        const snap = await ref.get();
        if (snap.exists) out[ref.path] = snap.data();
        await walk(await ref.listCollections());
      }
    }
  };
  await walk(await db.listCollections());
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}
