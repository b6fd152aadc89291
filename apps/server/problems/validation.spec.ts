import { ValidationPipe } from '@nestjs/common';
import { Transform, Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import { DeploymentEventDto } from '../deployments/deployment-event.dto';
import { ProblemException } from './problem';
import { StrictValidationPipe } from './validation';

class NameDto {
  @IsString()
  @MaxLength(5)
  name!: string;

  @IsOptional()
  @IsString()
  note?: string;
}

const pipe = new StrictValidationPipe();
const validate = (value: unknown) => pipe.transform(value, { type: 'body', metatype: NameDto });
const fieldsOf = async (value: unknown) => {
  try {
    await validate(value);
    return [];
  } catch (error) {
    if (!(error instanceof ProblemException)) throw error;
    return error.errors.map((e) => e.field);
  }
};

describe('StrictValidationPipe', () => {
  it('checks every rule on every request, however many came before', async () => {
    for (let i = 0; i < 3; i += 1) {
      await expect(validate({ name: 'ok' })).resolves.toBeInstanceOf(NameDto);
      expect(await fieldsOf({ name: 'too long' })).toEqual(['name']);
      expect(await fieldsOf({ name: 'ok', extra: 1 })).toEqual(['extra']);
      expect(await fieldsOf({ name: 'ok', note: 3 })).toEqual(['note']);
    }
  });

  it('builds a valid body into the same DTO as class-transformer and class-validator do', async () => {
    const reference = new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true });
    const bodies: Record<string, unknown>[] = [
      { product_name: 'api', environment_name: 'production', version: '1.2.3', status: 'success' },
      { product_name: 'api', environment_name: 'production', version: '1.2.3', status: 'failed', deployed_by: 'ci', scm_sha: 'abc', scm_branch: 'main', build_url: 'https://ci/1', event_id: 'e-1', occurred_at: '2026-11-23T10:00:00Z', extra_metadata: { error: 'boom', nested: { n: [1, 2] } } },
      { product_name: 'api', environment_name: 'production', version: '1.2.3', status: 'started', deployed_by: null, extra_metadata: null },
      // Nested keys class-transformer leaves out of its copy (an object in a body takes its path).
      { product_name: 'api', environment_name: 'production', version: '1.2.3', status: 'failed', extra_metadata: { error: 'boom', constructor: 'c', prototype: 'p', toString: 't', valueOf: 1 } },
    ];
    for (const body of bodies) {
      const fast = await pipe.transform(structuredClone(body), { type: 'body', metatype: DeploymentEventDto });
      expect(fast).toBeInstanceOf(DeploymentEventDto);
      expect(fast).toEqual(await reference.transform(structuredClone(body), { type: 'body', metatype: DeploymentEventDto }));
    }
  });

  it('names every offending field of a DTO the quick checks cover', async () => {
    const report = (body: unknown) => pipe.transform(body, { type: 'body', metatype: DeploymentEventDto });
    const fields = async (body: unknown) => report(body).then(() => [], (error: ProblemException) => [...new Set(error.errors.map((e) => e.field))]);
    expect(await fields({ environment_name: 'production', version: '1', status: 'success' })).toEqual(['product_name']);
    expect(await fields({ product_name: 'api', environment_name: 'Bad Name!', version: '', status: 'success', extra_metadata: 'text', occurred_at: 'yesterday' })).toEqual(
      expect.arrayContaining(['environment_name', 'version', 'extra_metadata', 'occurred_at']),
    );
    expect(await fields({ product_name: 'api', environment_name: 'production', version: '1', status: 'success', enviroment_name: 'typo' })).toEqual(['enviroment_name']);
  });

  it('leaves nested DTOs and conversions to class-transformer and class-validator', async () => {
    class Item {
      @IsInt()
      n!: number;
    }
    class Order {
      @ValidateNested()
      @Type(() => Item)
      item!: Item;

      @IsString()
      @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
      name!: string;
    }
    const order = (body: unknown) => pipe.transform(body, { type: 'body', metatype: Order });
    await expect(order({ item: { n: 'one' }, name: 'x' })).rejects.toMatchObject({ errors: [{ field: 'item.n' }] });
    const built = (await order({ item: { n: 1 }, name: '  padded  ' })) as Order;
    expect(built.item).toBeInstanceOf(Item);
    expect(built.name).toBe('padded');
  });

  it('checks a property whenever its ValidateIf condition answers anything truthy, as class-validator does', async () => {
    class Hook {
      @IsOptional()
      @IsString()
      kind?: string;

      @ValidateIf((hook: Hook) => hook.kind as unknown as boolean) // a string for "yes", as untyped callers write it
      @IsString()
      detail?: unknown;
    }
    const hook = (body: unknown) => pipe.transform(body, { type: 'body', metatype: Hook });
    await expect(hook({ kind: 'external', detail: 42 })).rejects.toMatchObject({ errors: [{ field: 'detail' }] });
    await expect(hook({ detail: 42 })).resolves.toBeInstanceOf(Hook);
  });

  it('applies a rule registered after a class was first validated (its remembered rules are looked up again)', async () => {
    class LateDto {
      @IsOptional()
      code?: unknown;
    }
    const late = (value: unknown) => pipe.transform(value, { type: 'body', metatype: LateDto });
    await expect(late({ code: 42 })).resolves.toBeInstanceOf(LateDto);
    IsString()(LateDto.prototype, 'code');
    await expect(late({ code: 42 })).rejects.toBeInstanceOf(ProblemException);
  });
});
