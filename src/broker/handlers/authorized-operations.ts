/**
 * KIP-430 authorized-operations bit fields. Without an authorizer every operation is allowed, so when
 * a client asks, Kafka reports every operation the resource type supports (`AclOperation` codes).
 * When not asked, the field is Integer.MIN_VALUE.
 */
export const OPERATIONS_NOT_REQUESTED = -2147483648;

const bits = (...ops: number[]): number => ops.reduce((acc, op) => acc | (1 << op), 0);

/** READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11. */
export const TOPIC_OPERATIONS = bits(3, 4, 5, 6, 7, 8, 10, 11);
/** CREATE 5, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12, CREATE_TOKENS 13, DESCRIBE_TOKENS 14. */
export const CLUSTER_OPERATIONS = bits(5, 7, 8, 9, 10, 11, 12, 13, 14);
/** READ 3, DELETE 6, DESCRIBE 8 (Kafka's `AclEntry.supportedOperations(GROUP)`). */
export const GROUP_OPERATIONS = bits(3, 6, 8);
