#!/usr/bin/env node
// The installed `gantry` command. It is committed, not built, so that npm can link it at install
// time, before `npm run build` has produced dist/.
import '../dist/main.js';
