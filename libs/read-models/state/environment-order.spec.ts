import { orderEnvironments, upstreamOf } from './environment-order';

describe('environment promotion order', () => {
  it('orders conventional stages dev → test → staging → production, others last', () => {
    expect(orderEnvironments(['production', 'zeta', 'staging', 'dev', 'qa'])).toEqual(['dev', 'qa', 'staging', 'production', 'zeta']);
  });

  it('finds the nearest known lower stage as upstream', () => {
    const names = ['dev', 'staging', 'production', 'eu-production'];
    expect(upstreamOf('production', names)).toBe('staging');
    expect(upstreamOf('eu-production', names)).toBe('staging');
    expect(upstreamOf('staging', names)).toBe('dev');
    expect(upstreamOf('dev', names)).toBeNull();
    expect(upstreamOf('production', ['dev', 'production'])).toBe('dev');
    expect(upstreamOf('zeta', names)).toBeNull();
  });
});
