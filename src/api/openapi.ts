// A small declarative builder for Kubernetes structural OpenAPI v3 schemas (apiextensions.k8s.io/v1
// JSONSchemaProps). Each builder returns a Schema<T> that carries the TypeScript type of the values it accepts,
// so `exactly<T>()` can prove at compile time that a CRD schema and the hand-written API type agree.
//
// Every string, list and map must be bounded (maxLength, maxItems, maxProperties): the apiserver estimates the
// cost of CEL rules from those bounds, and unbounded fields also make unbounded objects.

/** One CEL rule (`x-kubernetes-validations` entry), as apiextensions.k8s.io/v1 ValidationRule. */
export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  fieldPath?: string;
}

/** The subset of apiextensions.k8s.io/v1 JSONSchemaProps that Stackube's CRDs use. Plain data. */
export interface JSONSchemaProps {
  description?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'boolean';
  format?: string;
  enum?: string[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  anyOf?: JSONSchemaProps[];
  properties?: Record<string, JSONSchemaProps>;
  required?: string[];
  items?: JSONSchemaProps;
  additionalProperties?: JSONSchemaProps;
  'x-kubernetes-int-or-string'?: true;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'granular' | 'atomic';
  'x-kubernetes-validations'?: ValidationRule[];
}

declare const VALUE: unique symbol;

/** A schema node plus, at the type level only, the TypeScript type `T` of the values it accepts. Immutable. */
export interface Schema<T> {
  readonly json: JSONSchemaProps;
  /** Phantom (never set): makes Schema<T> invariant in T. */
  readonly [VALUE]?: (value: T) => T;
}

/** The TypeScript type a schema accepts. */
export type Infer<S> = S extends Schema<infer T> ? T : never;

/** True when A and B are the same type (optional vs required and extra optional fields both count). */
export type Equals<A, B> = (<X>() => X extends A ? 1 : 2) extends (<X>() => X extends B ? 1 : 2) ? true : false;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
/** Any schema node, whatever type it accepts (the phantom is optional, so every Schema<T> fits). */
export interface AnySchema {
  readonly json: JSONSchemaProps;
}
type Props = Record<string, AnySchema>;
type ObjectOf<P extends Props, R extends keyof P> = Simplify<
  { -readonly [K in R]: Infer<P[K]> } & { -readonly [K in Exclude<keyof P, R>]?: Infer<P[K]> }
>;

/** Options every builder takes: CEL rules on this node. */
export interface CommonOptions {
  rules?: readonly ValidationRule[];
}

// Builders pass absent options through as undefined; node() drops them so the emitted YAML has no nulls.
type Loose<T> = { [K in keyof T]?: T[K] | undefined };

function node<T>(json: Loose<JSONSchemaProps>, opts: CommonOptions = {}): Schema<T> {
  const out = Object.fromEntries(Object.entries(json).filter(([, v]) => v !== undefined)) as JSONSchemaProps;
  if (opts.rules !== undefined && opts.rules.length > 0) out['x-kubernetes-validations'] = opts.rules.map((r) => ({ ...r }));
  return { json: out };
}

/** Options of `string()`: maxLength is mandatory (CEL cost bound). */
export interface StringOptions extends CommonOptions {
  maxLength: number;
  minLength?: number;
  pattern?: string;
  format?: string;
}

/** A string field. Never throws. */
export function string(description: string, opts: StringOptions): Schema<string> {
  const { rules, ...rest } = opts;
  return node({ description, type: 'string', format: rest.format, pattern: rest.pattern, minLength: rest.minLength, maxLength: rest.maxLength }, { ...(rules && { rules }) });
}

/** An RFC 3339 timestamp string (format date-time). Never throws. */
export function dateTime(description: string): Schema<string> {
  return node({ description, type: 'string', format: 'date-time' });
}

/** A string restricted to `values`; its type is their union. Never throws. */
export function enumeration<const V extends readonly [string, ...string[]]>(values: V, description: string, opts: CommonOptions = {}): Schema<V[number]> {
  return node({ description, type: 'string', enum: [...values] }, opts);
}

/** Options of `integer()`. */
export interface IntegerOptions extends CommonOptions {
  minimum?: number;
  maximum?: number;
  format?: 'int32' | 'int64';
}

/** An integer field (a JS number on the wire). Never throws. */
export function integer(description: string, opts: IntegerOptions = {}): Schema<number> {
  const { rules, ...rest } = opts;
  return node({ description, type: 'integer', format: rest.format, minimum: rest.minimum, maximum: rest.maximum }, { ...(rules && { rules }) });
}

/** A boolean field. Never throws. */
export function boolean(description: string): Schema<boolean> {
  return node({ description, type: 'boolean' });
}

/** Options of `intOrString()`: maxLength (of the string form) is mandatory. */
export interface IntOrStringOptions extends CommonOptions {
  maxLength: number;
  /** Applies to the string form. */
  pattern?: string;
  /** Applies to the integer form. */
  minimum?: number;
}

/** An int-or-string field (how Kubernetes types resource quantities such as `10`, `500m` or `4Gi`). Never throws. */
export function intOrString(description: string, opts: IntOrStringOptions): Schema<number | string> {
  return node({ description, anyOf: [{ type: 'integer' }, { type: 'string' }], pattern: opts.pattern, minimum: opts.minimum, maxLength: opts.maxLength, 'x-kubernetes-int-or-string': true },
    { ...(opts.rules && { rules: opts.rules }) });
}

/** Options of `array()`: maxItems is mandatory; `map` lists name their key fields. */
export interface ArrayOptions extends CommonOptions {
  maxItems: number;
  minItems?: number;
  listType: 'atomic' | 'set' | 'map';
  listMapKeys?: readonly string[];
}

/** A list of `items`. Throws Error when a `map` list names no keys (a programming error). */
export function array<T>(items: Schema<T>, description: string, opts: ArrayOptions): Schema<T[]> {
  if ((opts.listType === 'map') !== (opts.listMapKeys !== undefined && opts.listMapKeys.length > 0)) {
    throw new Error('array(): listMapKeys is required for, and only for, listType "map"');
  }
  return node({
    description, type: 'array', minItems: opts.minItems, maxItems: opts.maxItems, items: items.json,
    'x-kubernetes-list-type': opts.listType, 'x-kubernetes-list-map-keys': opts.listMapKeys ? [...opts.listMapKeys] : undefined,
  }, { ...(opts.rules && { rules: opts.rules }) });
}

/** Options of `map()`: maxProperties is mandatory. */
export interface MapOptions extends CommonOptions {
  maxProperties: number;
}

/** A string-keyed map of `values` (additionalProperties). Never throws. */
export function map<T>(values: Schema<T>, description: string, opts: MapOptions): Schema<Record<string, T>> {
  return node({ description, type: 'object', maxProperties: opts.maxProperties, additionalProperties: values.json }, { ...(opts.rules && { rules: opts.rules }) });
}

/** Options of `object()`: which properties are required. */
export interface ObjectOptions<R extends string> extends CommonOptions {
  required?: readonly R[];
}

/** An object with fixed properties; unknown fields are pruned by the apiserver. Never throws. */
export function object<P extends Props, R extends keyof P & string = never>(description: string, properties: P, opts: ObjectOptions<R> = {}): Schema<ObjectOf<P, R>> {
  const props: Record<string, JSONSchemaProps> = {};
  for (const [k, v] of Object.entries(properties)) props[k] = v.json;
  return node({ description, type: 'object', properties: props, required: opts.required && opts.required.length > 0 ? [...opts.required] : undefined },
    { ...(opts.rules && { rules: opts.rules }) });
}

/**
 * Types a schema as Schema<T>, and compiles only when the schema accepts exactly T (same fields, same
 * optionality, same value types). A mismatch shows up as an argument error naming both types. Never throws.
 */
export function exactly<T>(): <S extends AnySchema>(schema: S & (Equals<Infer<S>, T> extends true ? unknown : { schemaType: Infer<S>; apiType: T })) => Schema<T> {
  return (schema) => schema;
}
