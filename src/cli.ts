#!/usr/bin/env node
console.log("usage: ambassador <command> [arguments]");
