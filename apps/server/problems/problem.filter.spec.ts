import { Logger } from '@nestjs/common';
import { toProblem } from './problem.filter';

describe('toProblem', () => {
  afterEach(() => jest.restoreAllMocks());

  it('answers a request whose client closed the connection mid-body with a 400, logged as a warning, not an error', () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    expect(toProblem(aborted, '/deployment-events/')).toMatchObject({ status: 400, type: '/problems/validation-failed', instance: '/deployment-events/' });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(error).not.toHaveBeenCalled();
  });

  it('still answers anything unexpected with a 500 and logs it as an error', () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    expect(toProblem(new Error('disk on fire'), '/x')).toMatchObject({ status: 500, type: '/problems/internal-error' });
    expect(error).toHaveBeenCalledTimes(1);
  });
});
