// Tests run on the project's Node 24 (npm scripts) in jest's native ESM mode, because
// @kubernetes/client-node >= 1.0 ships only ES modules. swc strips the types.
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2024' },
        module: { type: 'es6' },
      },
    ],
  },
  clearMocks: true,
};

/** @type {import('jest').Config} */
export default {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/tests/unit/**/*.test.ts',
        '<rootDir>/tests/handlers/**/*.test.ts',
        '<rootDir>/tests/scripts/**/*.test.ts',
      ],
    },
    {
      ...common,
      displayName: 'cluster',
      // A real control plane, the AWS emulator and Alertmanager: see tests/testenv/. The deployed
      // stack's suites (serverless.yml on the emulator with IAM on: tests/testenv/deployed.ts)
      // reach the same control plane.
      testMatch: [
        '<rootDir>/tests/integration/**/*.test.ts',
        '<rootDir>/tests/e2e/**/*.test.ts',
        '<rootDir>/tests/deployed/**/*.test.ts',
      ],
      globalSetup: '<rootDir>/tests/testenv/global-setup.ts',
      globalTeardown: '<rootDir>/tests/testenv/global-teardown.ts',
    },
  ],
};
