import { z } from "zod";

// Zod reads this once per object schema, when the schema is made: so it is set here, the first module the program
// evaluates, before any module makes one. Compiling a fast path for each schema on its first check costs a one-shot
// command more than it saves, and the bot checks too little (a store of 1,000 links saves as fast either way).
z.config({ jitless: true });
