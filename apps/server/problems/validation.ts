import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { defaultMetadataStorage as transformRules } from 'class-transformer/cjs/storage';
import { getMetadataStorage, ValidationTypes, type ValidationArguments } from 'class-validator';
import type { FieldError } from '../../../libs/domain/shared/domain-error';
import { ProblemException } from './problem';

/** Flattens class-validator's tree into one entry per offending field, with dotted paths for nested ones. */
export const fieldErrors = (errors: readonly ValidationError[], prefix = ''): FieldError[] =>
  errors.flatMap((error) => {
    const field = `${prefix}${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...fieldErrors(error.children ?? [], `${field}.`)];
  });

/**
 * class-validator looks a class's rules up on every validation, scanning every class that has rules and grouping
 * them by property anew (a large share of a request's allocations in a heap profile). Rules change only when a
 * decorator registers one (at module load), so the lookups are remembered until then.
 */
let rulesChanged = 0;
const rememberRuleLookups = (): void => {
  const storage = getMetadataStorage();
  type Rules = ReturnType<typeof storage.getTargetValidationMetadatas>;
  const lookUp = storage.getTargetValidationMetadatas.bind(storage);
  const groupByProperty = storage.groupByPropertyName.bind(storage);
  const register = storage.addValidationMetadata.bind(storage);
  let lookups = new Map<object, Map<string, Rules>>();
  let grouped = new WeakMap<Rules, ReturnType<typeof groupByProperty>>();
  storage.addValidationMetadata = (metadata) => {
    rulesChanged += 1;
    lookups = new Map();
    grouped = new WeakMap();
    register(metadata);
  };
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = JSON.stringify([schema, always, strictGroups, groups ?? []]);
    const byOptions = lookups.get(target) ?? lookups.set(target, new Map()).get(target)!;
    return byOptions.get(key) ?? byOptions.set(key, lookUp(target, schema, always, strictGroups, groups)).get(key)!;
  };
  storage.groupByPropertyName = (metadata) => grouped.get(metadata) ?? grouped.set(metadata, groupByProperty(metadata)).get(metadata)!;
};
rememberRuleLookups();

type Check = (value: unknown, args: ValidationArguments) => boolean;
/** Per property of a DTO: the conditions under which it is checked (IsOptional), and its checks. */
type PropertyPlan = { conditions: ((object: object, value: unknown) => boolean)[]; checks: { check: Check; constraints: unknown[]; validateIf?: (object: object, value: unknown) => boolean }[] };
type BodyPlan = ReadonlyMap<string, PropertyPlan>;

/**
 * The checks of a DTO whose rules are all plain synchronous constraints on its own properties (no nested DTOs, no
 * groups, no conversions by class-transformer), as class-validator would run them; null for any other DTO.
 */
const bodyPlanOf = (metatype: new () => object): BodyPlan | null => {
  const storage = getMetadataStorage();
  const plan = new Map<string, PropertyPlan>();
  if (transformRules.getStrategy(metatype) !== 'none' || transformRules.getExposedMetadatas(metatype).length > 0 || transformRules.getExcludedMetadatas(metatype).length > 0) return null;
  for (const rule of storage.getTargetValidationMetadatas(metatype, undefined as unknown as string, false, false, undefined)) {
    if (rule.groups?.length || rule.always || rule.each) return null;
    if (transformRules.findTypeMetadata(metatype, rule.propertyName) || transformRules.findTransformMetadatas(metatype, rule.propertyName, 0).length > 0) return null;
    const property = plan.get(rule.propertyName) ?? plan.set(rule.propertyName, { conditions: [], checks: [] }).get(rule.propertyName)!;
    switch (rule.type) {
      case ValidationTypes.WHITELIST:
        break;
      case ValidationTypes.CONDITIONAL_VALIDATION:
        property.conditions.push(rule.constraints[0] as (object: object, value: unknown) => boolean);
        break;
      case ValidationTypes.CUSTOM_VALIDATION:
        for (const constraint of storage.getTargetValidatorConstraints(rule.constraintCls)) {
          if (constraint.async) return null;
          const instance = constraint.instance as { validate: Check };
          property.checks.push({ check: (value, args) => instance.validate(value, args), constraints: rule.constraints, ...(rule.validateIf ? { validateIf: rule.validateIf } : {}) });
        }
        break;
      default:
        return null; // nested, promise or isDefined rules: class-validator's own path
    }
  }
  return plan.size > 0 ? plan : null;
};

/**
 * True when `body` passes every check of the plan (the common case: a valid request): then the DTO is built without
 * class-transformer and class-validator, which allocate much to find the same answer. False (an unknown property,
 * a failed or asynchronous check) sends the body down their path, which names what is wrong. So does a body with an
 * object or array in it: class-transformer copies those, leaving out keys such as `constructor` or `toString`, and
 * the DTO must hold what it would.
 */
const passes = (plan: BodyPlan, body: Record<string, unknown>, metatype: new () => object, entity: object): boolean => {
  for (const key of Object.keys(body)) {
    const value = body[key];
    if (!plan.has(key) || (typeof value === 'object' && value !== null)) return false;
  }
  for (const [property, { conditions, checks }] of plan) {
    const value = body[property];
    // As class-validator: any truthy answer of every condition (IsOptional, ValidateIf) means "check it".
    if (!conditions.every((condition) => condition(entity, value))) continue;
    for (const { check, constraints, validateIf } of checks) {
      if (validateIf && !validateIf(entity, value)) continue;
      if (check(value, { targetName: metatype.name, property, object: entity, value, constraints }) !== true) return false;
    }
  }
  return true;
};

/**
 * Shape checks for every DTO: unknown properties are rejected by name (a typo such as `enviroment_name`
 * must never be dropped silently), and a body, when sent, must be a JSON object.
 */
export class StrictValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => {
        const fields = fieldErrors(errors);
        return new ProblemException('validation-failed', fields.map((f) => f.message).join('; '), fields);
      },
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // No body at all is an empty object: commands whose fields are all optional need none; others name what is missing.
    if (metadata.type === 'body' && value === undefined) return super.transform({}, metadata);
    if (metadata.type === 'body' && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      throw new ProblemException('validation-failed', 'The request body must be a JSON object.', [{ field: 'body', message: 'must be a JSON object' }]);
    }
    if (metadata.type === 'body' && typeof metadata.metatype === 'function') {
      const metatype = metadata.metatype as new () => object;
      let planned = this.plans.get(metatype);
      if (planned?.rules !== rulesChanged) this.plans.set(metatype, (planned = { rules: rulesChanged, plan: bodyPlanOf(metatype) }));
      const { plan } = planned;
      if (plan) {
        const entity = Object.assign(new metatype(), value);
        if (passes(plan, value as Record<string, unknown>, metatype, entity)) return entity;
      }
    }
    return super.transform(value, metadata);
  }

  /** Per body DTO, the plan of its checks (null: class-validator's path only), made at its first request and again when rules change. */
  private readonly plans = new Map<unknown, { rules: number; plan: BodyPlan | null }>();
}
