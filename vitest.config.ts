import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // One test file per core: vitest's default leaves one core idle, and on a two-core machine
    // that runs the files one by one (about 345 s here, 251 s with both cores busy). Each file
    // starts its own stack on free ports, so files share nothing but the CPU.
    maxWorkers: '100%',
    // The compliance report asks npm's registry about known vulnerabilities: in the tests, a
    // loopback port that refuses at once, so that no test reaches the network (the report says
    // "not checked"); test/compliance/supply-chain.test.ts stands the registry in.
    // It also runs cfn-lint on its template where cfn-lint is installed, some 10 s a report:
    // test/compliance/rule-findings.test.ts runs it by hand instead.
    env: { npm_config_registry: 'http://127.0.0.1:9/', WEBHOOKS_CFN_LINT: 'none' },
  },
});
