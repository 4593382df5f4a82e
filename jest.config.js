// One Jest run, five kinds of suite. Each is selected with --selectProjects (see package.json).
const preset = require('./jest.preset');

module.exports = {
  projects: [
    {
      ...preset,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs,tools,test/bench}/**/*.spec.ts'],
      testPathIgnorePatterns: ['\\.int\\.spec\\.ts$', '/node_modules/'],
    },
    { ...preset, displayName: 'integration', testMatch: ['<rootDir>/{apps,libs,tools,test/bench}/**/*.int.spec.ts'] },
    { ...preset, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e.spec.ts'] },
    { ...preset, displayName: 'security', testMatch: ['<rootDir>/test/security/**/*.security.spec.ts'] },
    { ...preset, displayName: 'chaos', testMatch: ['<rootDir>/test/chaos/**/*.chaos.spec.ts'] },
  ],
};
