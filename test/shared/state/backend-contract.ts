import { describe, expect, it } from 'vitest';
import { TimestampValue, type DocumentBackend } from '../../../shared/state/backend.js';

/**
 * What every {@link DocumentBackend} does with a {@link TimestampValue}: whichever way it is
 * written (create, updateFields, a transaction's set), every read returns its ISO-8601 string,
 * and the other fields stay plain JSON (undefined ones dropped, as Firestore requires).
 */
export function describeTimestampBackendContract(
  name: string,
  subject: () => Promise<DocumentBackend>,
) {
  describe(`${name}: timestamps`, () => {
    const at = new Date('2026-05-06T07:08:09.123Z');
    const later = new Date('2026-06-07T08:09:10.456Z');

    it('reads a timestamp back as its ISO-8601 string through get, list and a transaction', async () => {
      const backend = await subject();
      const created = await backend.create('things/a', {
        id: 'a',
        expireAt: new TimestampValue(at),
        nested: { at: new TimestampValue(at), absent: undefined },
        absent: undefined,
      });
      expect(created).toBe(true);
      const expected = { id: 'a', expireAt: at.toISOString(), nested: { at: at.toISOString() } };
      expect(await backend.get('things/a')).toEqual(expected);
      expect(await backend.list('things')).toEqual([expected]);
      expect(await backend.transaction((tx) => tx.get('things/a'))).toEqual(expected);
    });

    it('writes timestamps through updateFields and a transaction set', async () => {
      const backend = await subject();
      await backend.create('things/b', { id: 'b' });
      expect(
        await backend.updateFields('things/b', [
          { path: ['expireAt'], value: new TimestampValue(later) },
        ]),
      ).toBe(true);
      expect(await backend.get('things/b')).toEqual({ id: 'b', expireAt: later.toISOString() });
      await backend.transaction(async (tx) => {
        tx.set('things/c', { id: 'c', list: [new TimestampValue(at)] });
      });
      expect(await backend.get('things/c')).toEqual({ id: 'c', list: [at.toISOString()] });
    });

    it('keeps its own copy of the Date it was given', () => {
      const date = new Date(at.getTime());
      const value = new TimestampValue(date);
      date.setUTCFullYear(2000);
      expect(value.toJSON()).toBe(at.toISOString());
    });

    it('refuses an invalid Date', () => {
      expect(() => new TimestampValue(new Date('not a date'))).toThrowError(
        expect.objectContaining({ name: 'PermanentError', reason: 'invalid-timestamp' }),
      );
    });
  });
}
