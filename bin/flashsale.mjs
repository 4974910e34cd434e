#!/usr/bin/env node
// `npx flashsale …` from this repository: the operator CLI (src/cli/flashsale.ts), run through tsx.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/flashsale.ts");
