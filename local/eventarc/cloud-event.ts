/**
 * The body of a Pub/Sub push delivery (https://cloud.google.com/pubsub/docs/push): the message
 * with base64 `data`, and the subscription it came through.
 */
export interface PushDelivery {
  message: {
    data?: string;
    attributes?: Record<string, string>;
    messageId?: string;
    message_id?: string;
    publishTime?: string;
    publish_time?: string;
    orderingKey?: string;
  };
  subscription?: string;
}

/**
 * The CloudEvent Eventarc hands a workflow for a Pub/Sub message, as the execution's argument:
 * type `google.cloud.pubsub.topic.v1.messagePublished`, `data` = {message, subscription}.
 * Named after Google's event type (functions-framework's MessagePublishedData).
 */
export interface MessagePublishedEvent {
  specversion: '1.0';
  type: 'google.cloud.pubsub.topic.v1.messagePublished';
  source: string;
  id: string;
  time: string;
  datacontenttype: 'application/json';
  data: {
    message: {
      data?: string;
      attributes?: Record<string, string>;
      messageId: string;
      message_id: string;
      publishTime: string;
      publish_time: string;
    };
    subscription: string;
  };
}

/** The type Eventarc gives events of Pub/Sub messages. */
export const MESSAGE_PUBLISHED_TYPE = 'google.cloud.pubsub.topic.v1.messagePublished';

/** A push body that cannot be turned into an event: the field and the rule it breaks. */
export class InvalidPushError extends Error {
  override readonly name = 'InvalidPushError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/**
 * Converts a push delivery into the event Eventarc delivers. Eventarc's Pub/Sub events carry
 * both spellings of the message id and publish time (camelCase and snake_case), so both are
 * set: a workflow written against Google's payload reads either.
 */
export function toMessagePublishedEvent(
  push: unknown,
  options: { projectId: string; topic: string; now?: () => Date },
): MessagePublishedEvent {
  if (typeof push !== 'object' || push === null || Array.isArray(push))
    throw new InvalidPushError('body', 'must be a Pub/Sub push object {message, subscription}');
  const { message, subscription } = push as Partial<PushDelivery>;
  if (typeof message !== 'object' || message === null || Array.isArray(message))
    throw new InvalidPushError('message', 'must be an object');
  const messageId = message.messageId ?? message.message_id;
  if (typeof messageId !== 'string' || messageId === '')
    throw new InvalidPushError('message.messageId', 'must be a non-empty string');
  if (message.data !== undefined && typeof message.data !== 'string')
    throw new InvalidPushError('message.data', 'must be base64 text');
  const publishTime =
    message.publishTime ?? message.publish_time ?? (options.now?.() ?? new Date()).toISOString();
  return {
    specversion: '1.0',
    type: MESSAGE_PUBLISHED_TYPE,
    source: `//pubsub.googleapis.com/projects/${options.projectId}/topics/${options.topic}`,
    id: messageId,
    time: publishTime,
    datacontenttype: 'application/json',
    data: {
      message: {
        ...(message.data !== undefined ? { data: message.data } : {}),
        ...(message.attributes ? { attributes: message.attributes } : {}),
        messageId,
        message_id: messageId,
        publishTime,
        publish_time: publishTime,
      },
      subscription:
        typeof subscription === 'string'
          ? subscription
          : `projects/${options.projectId}/subscriptions/unknown`,
    },
  };
}
