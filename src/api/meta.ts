// The parts of Kubernetes' meta/v1 types that our CRD types embed. Wire shapes (camelCase JSON), no behaviour.

/** An owner reference (metav1.OwnerReference): what garbage collection follows. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Object metadata (metav1.ObjectMeta) as the apiserver returns it; every field is optional on input. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  /** Server-side apply bookkeeping; opaque to Stackube. */
  managedFields?: unknown[];
}

/** Condition status values, as in metav1.ConditionStatus. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** One status condition, the standard metav1.Condition shape (validated by CONDITION_SCHEMA in crd.ts). */
export interface Condition {
  /** CamelCase condition type, e.g. `Ready`. Unique within a conditions list. */
  type: string;
  status: ConditionStatus;
  /** The `metadata.generation` this condition was computed from. */
  observedGeneration?: number;
  /** RFC 3339 time the status last changed (not when the condition was last checked). */
  lastTransitionTime: string;
  /** CamelCase machine-readable reason: a constant, never a formatted string. */
  reason: string;
  /** Human-readable detail; may be empty. */
  message: string;
}
