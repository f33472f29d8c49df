/**
 * Attack language in families, each scored on its own. Patterns run on the folded view
 * (lower case, single spaces, look-alikes and leetspeak folded). A pattern runs only when one
 * of its `words` occurs in the text (or one of its `marks`, for symbol-based patterns), so an
 * ordinary prompt costs a word split and some set lookups.
 *
 * Weights are the probability that a match alone means an attack; a family's score combines
 * its matched patterns as independent evidence: 1 − Π(1 − weight).
 */
export const families = ['instruction_override', 'role_switch', 'system_prompt_extraction', 'delimiter_injection', 'encoded_payload'] as const;
export type Family = (typeof families)[number];

export interface HeuristicPattern {
  id: string;
  family: Family;
  weight: number;
  /** Run the pattern only if one of these words is in the text... */
  words?: readonly string[];
  /** ...or one of these substrings. */
  marks?: readonly string[];
  pattern: RegExp;
}

const overrideVerbs = ['ignore', 'disregard', 'forget', 'bypass', 'override', 'neglect', 'skip', 'abandon', 'overlook', 'discard', 'drop'];
const verb = `(?:${overrideVerbs.join('|')})`;
const strongNoun =
  '(?:instructions?|prompts?|rules|guidelines|directions|directives|programming|guardrails|constraints|restrictions|policies|training|orders|commands)';
const weakNoun = '(?:messages?|text|context|content|conversation|input|guidance)';
const earlier = '(?:previous|prior|above|earlier|preceding|foregoing|initial|original|old|existing|system|developer|default|all|any|every)';
const reveal =
  '(?:reveal|show|print|display|output|repeat|tell|give|share|leak|dump|expose|write|spell|list|provide|recite|echo|paste|disclose|return|what)';
const hidden = '(?:system|initial|original|hidden|secret|internal|developer|pre-?prompt|starting|first|full|exact|entire|confidential|base)';
const personaWords = ['unfiltered', 'unrestricted', 'uncensored', 'jailbroken', 'evil', 'unethical', 'amoral', 'immoral', 'rogue', 'unbound', 'unlimited', 'lawless', 'unchained'];
const persona = `(?:${personaWords.join('|')})`;

export const heuristicPatterns: readonly HeuristicPattern[] = [
  // Instruction override
  { id: 'io-earlier-strong', family: 'instruction_override', weight: 0.92, words: overrideVerbs, pattern: new RegExp(`\\b${verb} (?:\\S+ ){0,3}?${earlier} (?:\\S+ ){0,2}?${strongNoun}\\b`, 'g') },
  { id: 'io-earlier-weak', family: 'instruction_override', weight: 0.6, words: overrideVerbs, pattern: new RegExp(`\\b${verb} (?:\\S+ ){0,3}?${earlier} (?:\\S+ ){0,2}?${weakNoun}\\b`, 'g') },
  { id: 'io-your-rules', family: 'instruction_override', weight: 0.7, words: overrideVerbs, pattern: new RegExp(`\\b${verb} (?:all |any )?(?:of )?(?:your|the|these|those|my) (?:\\S+ ){0,2}?${strongNoun}\\b`, 'g') },
  { id: 'io-do-not-follow', family: 'instruction_override', weight: 0.75, words: ['follow', 'following', 'obey'], pattern: new RegExp(`\\b(?:do not|don't|dont|stop|cease|no longer|never) (?:follow|following|obey|obeying) (?:any |all )?(?:of )?(?:your|the|these|those|its) (?:\\S+ ){0,2}?${strongNoun}\\b`, 'g') },
  { id: 'io-void', family: 'instruction_override', weight: 0.85, words: ['void', 'cancelled', 'canceled', 'obsolete', 'outdated', 'null', 'revoked', 'fake', 'false', 'invalid'], pattern: new RegExp(`\\b(?:previous|prior|above|earlier|old|original|all|your) (?:\\S+ ){0,1}?${strongNoun} (?:are|were|is|have been|has been) (?:now )?(?:void|cancell?ed|obsolete|outdated|null|revoked|fake|false|invalid|no longer valid)`, 'g') },
  { id: 'io-new-instructions', family: 'instruction_override', weight: 0.6, words: ['new', 'updated', 'real', 'actual', 'true'], pattern: /\b(?:your |the |my |here are |these are )?(?:new|updated|real|actual|true) (?:instructions|task|orders|directive|objective|goal|mission|rules) (?:are|is|:)/g },
  { id: 'io-from-now-on', family: 'instruction_override', weight: 0.45, words: ['now'], pattern: /\bfrom now on,? (?:you|your|u) (?:will|must|are|shall|should|only|always|have to|respond|answer|act)\b/g },
  { id: 'io-instead', family: 'instruction_override', weight: 0.5, words: ['instead'], pattern: /\b(?:instead|rather),? (?:you (?:will|must|should)|just|only) (?:say|print|output|write|respond|reply|answer|do|tell)\b/g },
  { id: 'io-override-safety', family: 'instruction_override', weight: 0.75, words: ['override', 'disable', 'deactivate', 'turn', 'remove', 'bypass', 'circumvent', 'switch'], pattern: /\b(?:override|disable|deactivate|turn off|remove|bypass|circumvent|switch off) (?:all |any |your |the )*(?:safety|security|content|ethical|moral)? ?(?:protocols?|filters?|filtering|safeguards?|guardrails?|restrictions?|limitations?|censorship|moderation|alignment)\b/g },
  { id: 'io-priority', family: 'instruction_override', weight: 0.55, words: ['priority', 'supersede', 'supersedes', 'precedence'], pattern: /\b(?:this|these|following|my) (?:\S+ ){0,2}?(?:takes? (?:top |highest |absolute )?(?:priority|precedence)|supersedes?|overrides?) (?:over )?(?:all|any|your|the|every)/g },

  // Role / persona switch
  { id: 'rs-you-are-now', family: 'role_switch', weight: 0.85, words: ['dan', 'stan', 'dude', 'aim', ...personaWords], pattern: new RegExp(`\\byou (?:are|r|will be|shall be|become) (?:now |going to be |from now on )?(?:dan|stan|dude|aim|an? ${persona}(?: \\S+)?)\\b`, 'g') },
  { id: 'rs-act-as', family: 'role_switch', weight: 0.8, words: ['act', 'behave', 'respond', 'answer', 'roleplay', 'role', 'play', 'simulate', 'emulate', 'become'], pattern: new RegExp(`\\b(?:act|behave|respond|answer|roleplay|role-play|role play|play|simulate|emulate|become) (?:as |like )?(?:if you (?:were|are) )?(?:an? |the )?(?:\\S+ ){0,1}?(?:${persona}|dan)\\b`, 'g') },
  { id: 'rs-without-limits', family: 'role_switch', weight: 0.8, words: ['pretend', 'imagine', 'act', 'roleplay', 'simulate', 'become', 'you'], pattern: /\b(?:pretend|imagine|act|roleplay|simulate|become|you are|you're) (?:\S+ ){0,6}?(?:without|with no|free (?:of|from)|unbound by|not bound by|no longer bound by) (?:any |all |the |your )?(?:\S+ )?(?:restrictions|rules|filters|limits|limitations|guidelines|ethics|morals|morality|censorship|boundaries|constraints|policies)\b/g },
  { id: 'rs-freed', family: 'role_switch', weight: 0.85, words: ['freed', 'liberated', 'released', 'broken', 'escaped'], pattern: /\b(?:been |now |are )?(?:freed|liberated|released|broken free|escaped) from (?:the )?(?:\S+ ){0,2}?(?:confines|restrictions|rules|limitations|shackles|chains|constraints|guidelines)\b/g },
  { id: 'rs-no-rules-apply', family: 'role_switch', weight: 0.65, words: ['follow', 'abide', 'adhere', 'obey', 'care', 'bound'], pattern: /\b(?:doesn't|does not|don't|do not|will not|won't|never|no need to|need not|not have to|don't have to) (?:have to |need to )?(?:follow|abide by|adhere to|obey|care about|be bound by) (?:any |the |openai'?s? |anthropic'?s? )?(?:\S+ )?(?:rules|guidelines|policies|restrictions|content polic(?:y|ies)|ethics|ethical guidelines|laws)\b/g },
  { id: 'rs-mode', family: 'role_switch', weight: 0.75, words: ['mode'], pattern: /\b(?:developer|dev|god|debug|admin|sudo|unrestricted|jailbreak|dan|opposite|evil|chaos|unfiltered|maintenance) mode (?:enabled|activated|on|is (?:now )?(?:enabled|on|active|activated)|output|response)\b|\b(?:enable|activate|enter|switch to|you are in) (?:\S+ )?(?:developer|dev|god|debug|admin|sudo|unrestricted|jailbreak|dan|opposite|unfiltered) mode\b/g },
  { id: 'rs-named-jailbreak', family: 'role_switch', weight: 0.8, words: ['dan', 'antigpt', 'anti', 'betterdan', 'confidant', 'aim', 'stan', 'dude', 'jailbreak', 'jailbroken', 'chatgpt'], pattern: /\b(?:do anything now|betterdan|anti-?gpt|evil confidant|always intelligent and machiavellian|strive to avoid norms|jailbroken|jailbreak prompt|dan mode|dan prompt|chatgpt with dan)\b/g },
  { id: 'rs-stay-in-character', family: 'role_switch', weight: 0.5, words: ['character'], pattern: /\b(?:stay|remain|keep) in character\b|\b(?:never|don't|do not|must not) break (?:out of )?character\b/g },
  { id: 'rs-two-responses', family: 'role_switch', weight: 0.6, words: ['responses', 'response', 'answers', 'paragraphs'], pattern: /\b(?:two|2|both) (?:different |separate )?(?:responses|answers|paragraphs)\b(?:\S+ ){0,12}?(?:normal|classic|standard|filtered)(?:\S+ ){0,12}?(?:jailbreak|dan|unfiltered|developer|unrestricted)/g },
  { id: 'rs-no-refusal', family: 'role_switch', weight: 0.55, words: ['refuse', 'cannot', 'can', 'sorry', 'apologize', 'apologise', 'decline', 'warnings', 'disclaimers'], pattern: /\b(?:never|don't|do not|must not|will not|won't|cannot|can't) (?:ever )?(?:refuse|decline|say (?:no|sorry|that you can'?t)|apologi[sz]e|add (?:any )?(?:warnings|disclaimers)|include (?:any )?(?:warnings|disclaimers))\b/g },

  // System-prompt extraction
  { id: 'se-reveal-hidden', family: 'system_prompt_extraction', weight: 0.85, words: ['prompt', 'instructions', 'instruction', 'message', 'directives', 'guidelines', 'configuration', 'rules'], pattern: new RegExp(`\\b${reveal} (?:\\S+ ){0,4}?${hidden} (?:system )?(?:prompt|instructions?|message|directives|guidelines|configuration|rules)\\b`, 'g') },
  { id: 'se-your-prompt', family: 'system_prompt_extraction', weight: 0.6, words: ['prompt', 'instructions'], pattern: /\b(?:your|the) (?:system|initial|original|hidden|secret|developer|pre) ?(?:prompt|instructions)\b/g },
  { id: 'se-repeat-above', family: 'system_prompt_extraction', weight: 0.8, words: ['repeat', 'print', 'output', 'copy', 'echo', 'recite', 'rewrite', 'reproduce', 'translate', 'summarize', 'summarise'], pattern: /\b(?:repeat|print|output|copy|echo|recite|rewrite|reproduce) (?:\S+ ){0,3}?(?:text|words|everything|all|content|instructions|message|lines|sentences|prompt) (?:\S+ )?(?:above|before this|preceding|prior|so far|verbatim|word for word)\b/g },
  { id: 'se-what-told', family: 'system_prompt_extraction', weight: 0.7, words: ['told', 'instructed', 'programmed', 'given'], pattern: /\bwhat (?:were|are|was|have) (?:you|u) (?:\S+ ){0,2}?(?:told|instructed|programmed|given as instructions)\b/g },
  { id: 'se-beginning', family: 'system_prompt_extraction', weight: 0.7, words: ['beginning', 'start', 'first'], pattern: /\b(?:repeat|print|output|tell me|show|what is|what's|write) (?:\S+ ){0,4}?(?:the )?(?:beginning|start|first (?:\S+ )?(?:lines?|words|sentences?)) of (?:the |this |your )?(?:conversation|prompt|context|chat|instructions|document)\b/g },
  { id: 'se-password', family: 'system_prompt_extraction', weight: 0.5, words: ['password', 'passphrase', 'secret'], pattern: /\b(?:tell|give|reveal|say|spell|show|print|what is|what's) (?:me |us )?(?:the |your )?(?:secret |hidden )?(?:password|passphrase|secret key|secret word|secret code)\b/g },

  // Delimiter and format injection
  { id: 'di-chat-tokens', family: 'delimiter_injection', weight: 0.9, marks: ['<|', '|>'], pattern: /<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text|end_of_turn|start_of_turn)\|>/g },
  { id: 'di-inst-tags', family: 'delimiter_injection', weight: 0.85, marks: ['[inst]', '[/inst]', '<<sys>>', '<</sys>>', '<start_of_turn>', '<end_of_turn>'], pattern: /\[\/?inst\]|<<\/?sys>>|<(?:start|end)_of_turn>/g },
  { id: 'di-fake-section', family: 'delimiter_injection', weight: 0.75, marks: ['##', '---', '===', '***', '[[', '{{'], pattern: /(?:#{2,}|-{3,}|={3,}|\*{3,}|\[\[|\{\{) ?(?:system|admin|administrator|developer|new instructions?|instructions?|override|end of (?:prompt|instructions|user input|input|document|context|system prompt)|begin (?:system|admin|developer|new))\b/g },
  { id: 'di-xml-role', family: 'delimiter_injection', weight: 0.55, marks: ['<'], pattern: /<\/?(?:system|system_prompt|instructions?|admin|developer|sys|user_input|prompt|assistant)(?: [^>]{0,40})?>/g },
  { id: 'di-fake-turn', family: 'delimiter_injection', weight: 0.55, words: ['system', 'assistant', 'admin', 'developer', 'ai'], pattern: /(?:^|[.!?;:\])] )(?:system|assistant|admin|administrator|developer|ai) ?(?:message|note|prompt|override)? ?: ?(?:you|ignore|from now|new|the user|override|disregard|forget|always|never|sure)\b/g },
  { id: 'di-end-of-input', family: 'delimiter_injection', weight: 0.6, words: ['end', 'ignore'], pattern: /\bend of (?:the )?(?:user input|user message|document|prompt|instructions|context|system prompt|conversation)\b|\bignore (?:the )?(?:text|everything|anything) (?:above|before) (?:this|here)\b/g },

  // Requests to decode and act on a hidden payload
  { id: 'ep-decode-and-follow', family: 'encoded_payload', weight: 0.75, words: ['decode', 'decrypt', 'decipher', 'translate', 'convert', 'unscramble', 'reverse'], pattern: /\b(?:decode|decrypt|decipher|translate|convert|unscramble|reverse) (?:\S+ ){0,6}?(?:and|then|,) (?:\S+ )?(?:follow|execute|do|run|obey|act on|perform|carry out|comply)\b/g },
  { id: 'ep-encoded-instructions', family: 'encoded_payload', weight: 0.5, words: ['base64', 'rot13', 'rot', 'hex', 'caesar', 'encoded', 'cipher', 'binary', 'morse'], pattern: /\b(?:base64|rot-?13|hex|caesar|encoded|cipher|binary|morse)\b(?:\S+ ){0,6}?(?:instructions?|command|prompt|follow|execute|obey)\b/g },
];
