/** The emulators the local stack runs, as the gcloud SDK and its packages name them. */
export type EmulatorKind = 'firestore' | 'pubsub';

export interface EmulatorComponent {
  kind: EmulatorKind;
  title: string;
  /** `gcloud components install <id>` (an SDK installed from the tarball or with Homebrew). */
  componentId: string;
  /** The apt and dnf package of Google's repositories. */
  packageName: string;
  /** The launcher script below the SDK's `platform/` folder. */
  launcher: string;
}

export const EMULATOR_COMPONENTS: Record<EmulatorKind, EmulatorComponent> = {
  firestore: {
    kind: 'firestore',
    title: 'Firestore emulator',
    componentId: 'cloud-firestore-emulator',
    packageName: 'google-cloud-cli-firestore-emulator',
    launcher: 'cloud-firestore-emulator/cloud_firestore_emulator',
  },
  pubsub: {
    kind: 'pubsub',
    title: 'Pub/Sub emulator',
    componentId: 'pubsub-emulator',
    packageName: 'google-cloud-cli-pubsub-emulator',
    launcher: 'pubsub-emulator/bin/cloud-pubsub-emulator',
  },
};

export const EMULATOR_KINDS: readonly EmulatorKind[] = ['firestore', 'pubsub'];
