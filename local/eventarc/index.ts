/**
 * The local stand-in for Eventarc: Pub/Sub push deliveries on `environment-requests` become
 * workflow executions (one per message id) with the CloudEvent Eventarc would pass.
 */
export {
  startEventarcBridge,
  createPushSubscription,
  executionsClientStarter,
  DEFAULT_ROUTES,
  type EventarcBridge,
  type EventarcBridgeOptions,
  type WorkflowStarter,
} from './bridge.js';
export {
  toMessagePublishedEvent,
  InvalidPushError,
  MESSAGE_PUBLISHED_TYPE,
  type MessagePublishedEvent,
  type PushDelivery,
} from './cloud-event.js';
