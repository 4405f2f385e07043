// Validates a parsed document against a JSON Schema with ajv and turns ajv's
// errors into `path: message` issues that a person can act on.
//
// Schemas may carry two annotation keywords that the VS Code JSON editor also
// shows: `patternErrorMessage` replaces the message of a failed `pattern`, and
// `errorMessage` replaces the branch errors of a failed `oneOf`.

import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from 'ajv';

import { closestMatch } from './did-you-mean.js';
import { formatIssue, pointerToSegments, type PathSegment } from './issue-path.js';

export type SchemaValidator = (document: unknown) => string[];

/** Compiles a schema into a function that returns the document's issues, empty when valid. */
export function compileSchema(schema: AnySchemaObject): SchemaValidator {
  // strictRequired stays off because a oneOf branch such as
  // `{ "required": ["passwordEnv"] }` names a key that its parent defines.
  const ajv = new Ajv({ allErrors: true, verbose: true, discriminator: true, strict: true, strictRequired: false });
  ajv.addVocabulary(['errorMessage', 'patternErrorMessage']);
  const validate: ValidateFunction = ajv.compile(schema);

  return (document) => {
    if (validate(document)) {
      return [];
    }
    const errors = withoutReplacedErrors(validate.errors ?? []);
    const issues = errors.flatMap((error) => describeError(error, document));
    return [...new Set(issues)];
  };
}

// Drops errors that another error describes better. The errorMessage of a
// oneOf replaces the errors of its branches. The inner error of propertyNames
// names the key, so its summary error adds nothing. A discriminator error
// about a missing tag repeats the `required` error.
function withoutReplacedErrors(errors: ErrorObject[]): ErrorObject[] {
  const replacedPrefixes = errors
    .filter((error) => error.keyword === 'oneOf' && typeof error.parentSchema?.errorMessage === 'string')
    .map((error) => `${error.schemaPath}/`);

  return errors.filter((error) => {
    if (replacedPrefixes.some((prefix) => error.schemaPath.startsWith(prefix))) {
      return false;
    }
    if (error.keyword === 'propertyNames') {
      return false;
    }
    return !(error.keyword === 'discriminator' && error.params.tagValue === undefined);
  });
}

function describeError(error: ErrorObject, document: unknown): string[] {
  const path = pointerToSegments(error.instancePath, document);
  if (error.propertyName !== undefined) {
    return [formatIssue([...path, error.propertyName], describePropertyName(error))];
  }

  switch (error.keyword) {
    case 'additionalProperties':
      return [describeUnknownKey(error, path)];
    case 'required':
      return [formatIssue([...path, error.params.missingProperty as string], 'missing required key')];
    case 'discriminator':
      return [describeDiscriminator(error, path)];
    case 'uniqueItems':
      return [describeDuplicateItem(error, path)];
    default:
      return [formatIssue(path, describeValueError(error))];
  }
}

function describeUnknownKey(error: ErrorObject, path: PathSegment[]): string {
  const key = error.params.additionalProperty as string;
  const known = Object.keys((error.parentSchema?.properties as object | undefined) ?? {});
  const suggestion = closestMatch(key, known);
  const hint = suggestion
    ? `did you mean ${JSON.stringify(suggestion)}?`
    : `valid keys are ${known.length > 0 ? known.join(', ') : 'none'}`;
  return formatIssue([...path, key], `unknown key; ${hint}`);
}

function describeDuplicateItem(error: ErrorObject, path: PathSegment[]): string {
  const [i, j] = [error.params.i as number, error.params.j as number];
  const [first, repeat] = [Math.min(i, j), Math.max(i, j)];
  const value = (error.data as unknown[])[repeat];
  const listName = path.length > 0 ? String(path[path.length - 1]) : '';
  return formatIssue([...path, repeat], `${JSON.stringify(value)} is a duplicate of ${listName}[${first}]`);
}

function describeDiscriminator(error: ErrorObject, path: PathSegment[]): string {
  const tag = error.params.tag as string;
  if (error.params.error === 'tag') {
    return formatIssue([...path, tag], `must be a string, not ${describeValue(error.params.tagValue)}`);
  }
  const branches = (error.parentSchema?.oneOf as AnySchemaObject[] | undefined) ?? [];
  const values = branches.map((branch) => JSON.stringify(branch.properties?.[tag]?.const));
  return formatIssue([...path, tag], `must be one of ${values.join(', ')}, not ${JSON.stringify(error.params.tagValue)}`);
}

function describePropertyName(error: ErrorObject): string {
  const custom = error.parentSchema?.patternErrorMessage;
  const reason = typeof custom === 'string' ? custom : (error.message ?? 'is invalid');
  return `invalid key: ${reason}`;
}

// Describes errors about the value itself, whose issue path is the value's own.
function describeValueError(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const limit = params.limit as number;
  switch (error.keyword) {
    case 'type':
      return `must be ${withArticle(String(params.type).replace(/,/g, ' or '))}, not ${describeValue(error.data)}`;
    case 'enum':
      return `must be one of ${listValues(params.allowedValues as unknown[])}, not ${JSON.stringify(error.data)}`;
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`;
    case 'pattern':
      return describePattern(error);
    case 'minimum':
      return `must be at least ${limit}, not ${JSON.stringify(error.data)}`;
    case 'maximum':
      return `must be at most ${limit}, not ${JSON.stringify(error.data)}`;
    case 'minLength':
    case 'minItems':
    case 'minProperties':
      return limit === 1 ? 'must not be empty' : `must have at least ${limit} ${unitOf(error.keyword)}`;
    case 'maxLength':
    case 'maxItems':
    case 'maxProperties':
      return `must have at most ${limit} ${unitOf(error.keyword)}`;
    case 'oneOf':
      return (error.parentSchema?.errorMessage as string | undefined) ?? 'must match exactly one of the allowed forms';
    case 'false schema':
      return 'is not allowed here';
    default:
      return error.message ?? 'is invalid';
  }
}

function listValues(values: unknown[]): string {
  return values.map((value) => JSON.stringify(value)).join(', ');
}

function describePattern(error: ErrorObject): string {
  const custom = error.parentSchema?.patternErrorMessage;
  const reason = typeof custom === 'string' ? custom : `must match the pattern ${String(error.params.pattern)}`;
  return `${JSON.stringify(error.data)} is invalid: ${reason}`;
}

function unitOf(keyword: string): string {
  if (keyword.endsWith('Length')) {
    return 'characters';
  }
  return keyword.endsWith('Items') ? 'entries' : 'keys';
}

function describeValue(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (value === undefined) {
    return 'missing';
  }
  return withArticle(Array.isArray(value) ? 'array' : typeof value);
}

function withArticle(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}
