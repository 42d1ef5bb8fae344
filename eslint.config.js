// eslint (flat config): the browser scripts (the map's runtime, ui/) and the node tests.
'use strict';

const js = require('@eslint/js');
const globals = require('globals');

module.exports = [
  {ignores: ['node_modules/', 'static/', '.venv/', 'bench/', 'test-artifacts/']},
  js.configs.recommended,
  {
    files: ['geo/mapview/static/**/*.js', 'ui/**/*.js'],
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: 'script',
      globals: {...globals.browser, module: 'writable'},
    },
    rules: {
      'no-var': 'off',
      eqeqeq: ['error', 'always'],
      'no-implicit-globals': 'error',
      'no-unused-vars': ['error', {args: 'none'}],
    },
  },
  {
    files: ['tests/js/**/*.js', 'eslint.config.js'],
    languageOptions: {ecmaVersion: 2022, sourceType: 'commonjs', globals: {...globals.node}},
  },
];
