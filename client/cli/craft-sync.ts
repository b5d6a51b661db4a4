#!/usr/bin/env node
// The installed package's `craft-sync` bin (compiled to dist/cli/craft-sync.js; no tsx). In this
// repository `craft-sync.mjs` beside it runs the same CLI from source through tsx.
import './main.ts';
