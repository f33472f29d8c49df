import { RE2JS } from 're2js';
import { z } from 'zod';

/** Larger compiled programs are refused: they cost memory and time on every request. */
const maxProgramSize = 5000;
/**
 * A user-supplied regular expression, compiled with RE2JS (a port of RE2): matching time is
 * linear in the input whatever the pattern, so a policy cannot hang the gateway. Syntax RE2
 * does not support (backreferences, lookaround) is a load error, not a silent pass.
 */
export const linearPattern = z.string().min(1, 'a pattern cannot be empty').transform((source, context) => {
  try {
    const sensitive = RE2JS.compile(source);
    if (sensitive.matcher('').find()) {
      context.addIssue({ code: 'custom', message: 'pattern matches the empty string, so it would match everywhere' });
      return z.NEVER;
    }
    if (sensitive.programSize() > maxProgramSize) {
      context.addIssue({ code: 'custom', message: `pattern is too complex (program size ${sensitive.programSize()} > ${maxProgramSize})` });
      return z.NEVER;
    }
    return { source, sensitive, insensitive: RE2JS.compile(source, RE2JS.CASE_INSENSITIVE) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    context.addIssue({ code: 'custom', message: `invalid regular expression (RE2 syntax): ${reason}` });
    return z.NEVER;
  }
});

/** A pattern as the policy compiled it: its source, and matchers with and without case. */
export type LinearPattern = z.output<typeof linearPattern>;
