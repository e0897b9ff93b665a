/**
 * The local stack's prerequisites on this machine: the gcloud SDK found wherever it was
 * installed (CLOUDSDK_ROOT_DIR, the gcloud on PATH, the installers' places), its emulators,
 * Java, Node.js and ports, each checked with the exact commands that fix it.
 */
export {
  EMULATOR_COMPONENTS,
  EMULATOR_KINDS,
  type EmulatorComponent,
  type EmulatorKind,
} from './components.js';
export { currentHost, hostKind, type HostKind, type HostProbe } from './host.js';
export { detectInstallMethod, type InstallMethod } from './install-method.js';
export { SDK_SEARCH_PATH_VARIABLE, knownSdkRoots } from './known-layouts.js';
export {
  describeSdkSource,
  emulatorsIn,
  locateSdk,
  runGcloudInfo,
  type GcloudInfo,
  type GcloudSdk,
  type LocateSdkOptions,
  type SdkSearch,
  type SdkSource,
} from './locate-sdk.js';
export {
  MIN_JAVA_MAJOR,
  javaEnvironment,
  javaNeededByLog,
  javaVersion,
  locateJava,
  parseJavaMajor,
  type JavaRuntime,
} from './java.js';
export { installJavaFix, installSdkFix, installEmulatorsFix } from './fixes.js';
export {
  MIN_NODE_VERSION,
  checkPrerequisites,
  type CheckId,
  type PrerequisiteCheck,
  type PrerequisiteOptions,
  type PrerequisiteReport,
  type RequestedPort,
} from './prerequisites.js';
export { formatCheck, formatReport, formatStartFailure } from './report-format.js';
