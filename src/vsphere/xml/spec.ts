// Decoding specs: a declarative description of the SOAP elements vdrift
// reads. The decoder builds values only for elements a spec names and
// skips everything else without allocating, which keeps large
// property-collector bodies cheap.

export type ScalarSpec = 'string' | 'boolean' | 'int';

/** A managed object reference: the element text plus its `type` attribute. */
export type MorefSpec = 'moref';

export interface ObjectSpec {
  kind: 'object';
  /** A Map rather than an object: lookups by element name stay fast on hot paths. */
  fields: Map<string, FieldSpec>;
  /** Store the element's xsi:type (prefix removed) as `$type`. */
  keepType?: boolean;
  /** Spec for child elements not named in `fields`; they are stored under their element name. */
  other?: FieldSpec;
}

/**
 * A value whose shape is chosen by its xsi:type, as vim25 `anyType` values
 * (property values, fault details) are. Types not listed are skipped, but
 * their type name is kept so callers can tell "absent" from "unknown".
 */
export interface DynamicSpec {
  kind: 'dynamic';
  types: Record<string, Spec>;
}

export type Spec = ScalarSpec | MorefSpec | ObjectSpec | DynamicSpec;

export interface FieldSpec {
  spec: Spec;
  array?: boolean;
  /**
   * Called with each completed value instead of storing it, so a caller
   * can process long lists (objects of a property-collector page) one item
   * at a time.
   */
  stream?: boolean;
}

export interface ManagedObjectReference {
  type: string;
  value: string;
}

/** A dynamic value whose xsi:type has no spec: only its name is kept. */
export interface UnknownValue {
  $type: string;
  $unknown: true;
}

export function field(spec: Spec, options: { array?: boolean; stream?: boolean } = {}): FieldSpec {
  return { spec, ...options };
}

export function object(fields: Record<string, Spec | FieldSpec>, options: { keepType?: boolean; other?: Spec } = {}): ObjectSpec {
  const normalized = new Map<string, FieldSpec>();
  for (const [name, value] of Object.entries(fields)) {
    normalized.set(name, typeof value === 'object' && 'spec' in value ? value : { spec: value });
  }
  const spec: ObjectSpec = { kind: 'object', fields: normalized };
  if (options.keepType) {
    spec.keepType = true;
  }
  if (options.other) {
    spec.other = { spec: options.other };
  }
  return spec;
}

export function arrayOf(spec: Spec): FieldSpec {
  return { spec, array: true };
}

export function dynamic(types: Record<string, Spec>): DynamicSpec {
  return { kind: 'dynamic', types };
}
