/**
 * The data of a `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent, as Eventarc sends it
 * and as functions-framework builds it from a Pub/Sub push request (named after Google's type).
 */
export interface MessagePublishedData {
  message: PubsubMessage;
  subscription?: string;
}

/** google.pubsub.v1.PubsubMessage in its JSON form: `data` is base64. */
export interface PubsubMessage {
  data?: string;
  attributes?: Record<string, string>;
  messageId?: string;
  publishTime?: string;
  orderingKey?: string;
}
