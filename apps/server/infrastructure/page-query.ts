import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { decodeCursor, MAX_PAGE_SIZE } from '../../../libs/read-models/shared/paging';
import { ProblemException } from '../problems/problem';

/** `limit` and `cursor` of every paged list. */
export class PageQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(MAX_PAGE_SIZE)
  limit?: number;

  @IsOptional() @IsString()
  cursor?: string;
}

export const cursorOf = (query: PageQuery) => {
  if (query.cursor === undefined) return null;
  const after = decodeCursor(query.cursor);
  if (after === null) {
    throw new ProblemException('validation-failed', 'cursor is not one this server issued; pass next_cursor from a previous page.', [
      { field: 'cursor', message: 'invalid cursor' },
    ]);
  }
  return after;
};
