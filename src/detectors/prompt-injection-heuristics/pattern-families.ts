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
  '(?:instructions?|prompts?|rules|guidelines|directions|directives|programming|guardrails|constraints|restrictions|policies|training|orders|commands|tasks|assignments)';
const weakNoun = '(?:messages?|text|context|content|conversation|input|guidance|information)';
const earlier = '(?:previous|prior|above|earlier|preceding|foregoing|initial|original|old|existing|system|developer|default|all|any|every)';
const reveal =
  '(?:reveal|show|print|display|output|repeat|tell|give|share|leak|dump|expose|write|spell|list|provide|recite|echo|paste|disclose|return|what)';
const hidden = '(?:system|initial|original|hidden|secret|internal|developer|pre-?prompt|starting|first|full|exact|entire|confidential|base)';
// Words for an AI with its limits removed. "Evil" or "rogue" alone are left out: fiction asks for evil queens.
const personaWords = ['unfiltered', 'unfiltred', 'unrestricted', 'uncensored', 'jailbroken', 'unethical', 'amoral', 'unbound', 'lawless', 'unchained', 'unmoderated'];
const persona = `(?:${personaWords.join('|')})`;

export const heuristicPatterns: readonly HeuristicPattern[] = [
  // Instruction override
  { id: 'io-earlier-strong', family: 'instruction_override', weight: 0.92, words: overrideVerbs, pattern: new RegExp(`\\b${verb} (?:\\S+ ){0,3}?${earlier} (?:\\S+ ){0,2}?${strongNoun}\\b`, 'g') },
  { id: 'io-earlier-weak', family: 'instruction_override', weight: 0.6, words: overrideVerbs, pattern: new RegExp(`\\b${verb} (?:\\S+ ){0,3}?${earlier} (?:\\S+ ){0,2}?${weakNoun}\\b`, 'g') },
  { id: 'io-forget-everything', family: 'instruction_override', weight: 0.85, words: ['forget', 'ignore', 'disregard'], pattern: /\b(?:forget|ignore|disregard) (?:about )?(?:everything|all|anything|all that)(?: (?:that )?(?:we|you|i) (?:\S+ ){0,2}?(?:discussed|said|talked about|were told|got told|have been told))?(?: (?:before|above|previously|so far|until now|up to now|earlier)(?: (?:this|that|here|now))?)\b/g },
  { id: 'io-forget-all', family: 'instruction_override', weight: 0.5, words: ['forget'], pattern: /\bforget (?:about )?(?:everything|all of that|all that)\b/g },
  { id: 'io-ignore-above', family: 'instruction_override', weight: 0.8, words: ['ignore', 'disregard'], pattern: /\b(?:ignore|disregard) (?:the |all )?(?:above|previous|preceding|prior)(?: ones?)?(?: and| ,|[.!:;]|$)/g },
  { id: 'io-regardless', family: 'instruction_override', weight: 0.6, words: ['regardless', 'irrespective', 'notwithstanding'], pattern: new RegExp(`\\b(?:regardless of|irrespective of|notwithstanding) (?:any |all |the |your )?(?:previous|prior|earlier|above|initial|original|system|your)? ?${strongNoun}\\b`, 'g') },
  { id: 'io-leave-behind', family: 'instruction_override', weight: 0.7, words: ['leave', 'remove', 'put', 'clear', 'wipe', 'erase', 'delete'], pattern: new RegExp(`\\b(?:leave|put|remove|clear|wipe|erase|delete) (?:all )?(?:the |your )?(?:previous|prior|earlier|old) (?:\\S+ )?(?:${strongNoun.slice(3, -1)}|information|context|memory) (?:behind|aside|out of your (?:head|mind|memory)|from your (?:memory|mind|context))`, 'g') },
  { id: 'io-new-task', family: 'instruction_override', weight: 0.55, words: ['task', 'tasks', 'instructions', 'assignment'], pattern: /\b(?:now|next) (?:\S+ ){0,3}?(?:focus|concentrate) on (?:your|the|a|this) new (?:task|assignment|instructions|goal)\b|\b(?:now )?new (?:tasks|instructions) (?:follow|are coming|come)\b|\bwe (?:start|begin) (?:again |anew |over )?(?:from scratch |from the (?:top|front|beginning) )?with a new task\b/g },
  {
    id: 'io-other-languages',
    family: 'instruction_override',
    weight: 0.85,
    words: ['vergiss', 'vergessen', 'ignoriere', 'ignorieren', 'missachte', 'ignora', 'olvida', 'olvide', 'descarta', 'ignorez', 'oublie', 'oubliez', 'dimentica', 'esqueca', 'ignore'],
    marks: ['игнорир', 'забудь', 'забудьте', '忽略', '无视', '忘记', '忘掉', '無視', '忘れ', '무시', '잊', 'अनदेखी', 'अनदेखा', 'नज़रअंदाज़', 'نظرانداز', 'تجاهل', 'انس '],
    pattern: new RegExp(
      [
        '\\b(?:vergiss|vergessen sie|ignoriere|ignorieren sie|missachte) (?:\\S+ ){0,3}?(?:vorherigen|bisherigen|obigen|vorigen|fruheren|alten|deine|ihre|alle) (?:\\S+ )?(?:anweisungen|aufgaben|instruktionen|befehle|regeln|angaben|vorgaben|informationen)',
        '\\b(?:ignora|ignore|olvida|olvide|descarta) (?:\\S+ ){0,3}?(?:instrucciones|indicaciones|reglas|ordenes|tareas) (?:anteriores|previas)',
        '\\b(?:ignore|ignorez|oublie|oubliez) (?:\\S+ ){0,3}?(?:instructions|consignes|regles|taches) (?:precedentes|anterieures)',
        '\\b(?:ignora|dimentica) (?:\\S+ ){0,3}?(?:istruzioni|regole|indicazioni) (?:precedenti|sopra)',
        '\\b(?:ignore|esqueca) (?:\\S+ ){0,3}?(?:instrucoes|regras|orientacoes) (?:anteriores|previas)',
        '(?:игнорируй|игнорируйте|забудь|забудьте)(?: \\S+){0,3}? (?:предыдущие|прежние|все) (?:\\S+ )?(?:инструкции|указания|правила|команды)',
        '(?:忽略|无视|忘记|忘掉)(?:之前|以上|先前|上面|前面|所有|你的|此前)',
        '(?:以前|前|上記|これまで)の(?:すべての)?(?:指示|命令|指令)を(?:無視|忘れ)',
        '(?:이전|앞의|위의|모든) (?:\\S+ )?(?:지시|명령|지침)(?:을|를|사항을)? (?:무시|잊)',
        '(?:पिछले|पहले के|सभी) (?:\\S+ )?(?:निर्देशों|निर्देश) (?:की अनदेखी|को अनदेखा|को नज़रअंदाज़)',
        'تجاهل (?:\\S+ )?(?:التعليمات|الأوامر|التوجيهات)',
      ].join('|'),
      'g',
    ),
  },
  { id: 'io-your-rules', family: 'instruction_override', weight: 0.7, words: overrideVerbs, pattern: new RegExp(`\\b${verb} (?:all |any )?(?:of )?(?:your|these|those) (?:\\S+ ){0,2}?${strongNoun}\\b`, 'g') },
  { id: 'io-the-rules', family: 'instruction_override', weight: 0.45, words: overrideVerbs, pattern: /\b(?:ignore|disregard|forget|bypass|override) (?:all )?(?:of )?the (?:instructions|rules|guidelines|prompt|system prompt|directives)\b/g },
  { id: 'io-do-not-follow', family: 'instruction_override', weight: 0.75, words: ['follow', 'following', 'obey'], pattern: new RegExp(`\\b(?:do not|don't|dont|stop|cease|no longer|never) (?:follow|following|obey|obeying) (?:any |all )?(?:of )?(?:your|the|these|those|its) (?:\\S+ ){0,2}?${strongNoun}\\b`, 'g') },
  { id: 'io-void', family: 'instruction_override', weight: 0.85, words: ['void', 'cancelled', 'canceled', 'obsolete', 'outdated', 'null', 'revoked', 'fake', 'false', 'invalid'], pattern: /\b(?:previous|prior|above|earlier|original|initial|your) (?:\S+ ){0,1}?(?:instructions|prompts?|guidelines|directives|programming|rules) (?:are|were|is|have been|has been) (?:now )?(?:void|cancell?ed|obsolete|null|revoked|fake|false|invalid|no longer valid)\b/g },
  { id: 'io-new-instructions', family: 'instruction_override', weight: 0.6, words: ['new', 'updated', 'real', 'actual', 'true'], pattern: /\b(?:your |the |my |here are |these are )?(?:new|updated|real|actual|true) (?:instructions|task|orders|directive|objective|goal|mission|rules)(?: are| is| ?:)/g },
  { id: 'io-from-now-on', family: 'instruction_override', weight: 0.45, words: ['now'], pattern: /\bfrom now on,? (?:you|your|u) (?:will|must|are|shall|should|only|always|have to|respond|answer|act)\b/g },
  { id: 'io-instead', family: 'instruction_override', weight: 0.35, words: ['instead'], pattern: /\b(?:instead|rather),? (?:you (?:will|must|should)|just|only) (?:say|print|output|write|respond|reply|answer|do|tell)\b/g },
  { id: 'io-override-your-safety', family: 'instruction_override', weight: 0.8, words: ['override', 'disable', 'deactivate', 'turn', 'remove', 'bypass', 'circumvent', 'switch', 'ignore'], pattern: /\b(?:override|disable|deactivate|turn off|remove|bypass|circumvent|switch off|ignore) (?:all |any )?(?:of )?(?:your|its|the (?:ai|model|assistant|chatbot)'?s?) (?:own )?(?:safety |security |content |ethical |moral )?(?:protocols?|filters?|filtering|safeguards?|guardrails?|restrictions?|limitations?|censorship|moderation|alignment|programming)\b/g },
  { id: 'io-override-safety', family: 'instruction_override', weight: 0.55, words: ['override', 'disable', 'deactivate', 'turn', 'remove', 'bypass', 'circumvent', 'switch'], pattern: /\b(?:override|disable|deactivate|turn off|remove|bypass|circumvent|switch off) (?:all |any |the )?(?:safety|ethical|moral|content) (?:protocols?|filters?|filtering|safeguards?|guardrails?|restrictions?|limitations?|censorship|moderation|alignment)\b/g },
  { id: 'io-priority', family: 'instruction_override', weight: 0.55, words: ['priority', 'supersede', 'supersedes', 'precedence'], pattern: /\b(?:this|these|following|my) (?:\S+ ){0,2}?(?:takes? (?:top |highest |absolute )?(?:priority|precedence)|supersedes?|overrides?) (?:over )?(?:all|any|your|the|every)/g },

  // Role / persona switch
  { id: 'rs-you-are-now', family: 'role_switch', weight: 0.85, words: ['dan', 'stan', 'dude', 'aim', ...personaWords], pattern: new RegExp(`\\byou (?:are|r|will be|shall be|become) (?:now |going to be |from now on )?(?:dan|stan|dude|aim|an? ${persona}(?: \\S+)?|an? (?:evil|rogue|immoral|unlimited) (?:ai|assistant|chatbot|model|version of (?:yourself|chatgpt|claude|the ai)))\\b`, 'g') },
  { id: 'rs-act-as', family: 'role_switch', weight: 0.8, words: ['act', 'behave', 'respond', 'answer', 'roleplay', 'role', 'play', 'simulate', 'emulate', 'become', 'pretend', 'be'], pattern: new RegExp(`\\b(?:act|behave|respond|answer|roleplay|role-play|role play|play|simulate|emulate|become|pretend to be|be) (?:as |like )?(?:if you (?:were|are) )?(?:an? |the )?(?:\\S+ ){0,1}?(?:${persona}|dan)\\b`, 'g') },
  { id: 'rs-without-limits', family: 'role_switch', weight: 0.8, words: ['pretend', 'imagine', 'act', 'roleplay', 'simulate', 'become', 'you'], pattern: /\b(?:pretend|imagine|act|roleplay|simulate|become|you are|you're) (?:\S+ ){0,6}?(?:without|with no|free (?:of|from)|unbound by|not bound by|no longer bound by) (?:any |all |the |your )?(?:\S+ )?(?:restrictions|rules|filters|limits|limitations|guidelines|ethics|morals|morality|censorship|boundaries|constraints|policies)\b/g },
  { id: 'rs-evil-ai', family: 'role_switch', weight: 0.8, words: ['pretend', 'imagine', 'act', 'roleplay', 'simulate', 'become', 'be'], pattern: /\b(?:pretend|imagine|act|roleplay|simulate|become|be) (?:that )?(?:you are |you're |to be |as |like )?(?:an? )?(?:evil|malicious|rogue|unethical|unrestricted|unfiltered|uncensored|immoral|sentient|free) (?:ai|assistant|chatbot|bot|model|language model|version of (?:yourself|chatgpt|claude|gpt))\b/g },
  { id: 'rs-named-gpt', family: 'role_switch', weight: 0.55, words: ['you', 'act', 'pretend', 'play'], pattern: /\b(?:you are|you're|act as|pretend to be|play|you will be) (?:now |going to act as )?(?:an? )?(?!chatgpt\b)[a-z]+gpt\b/g },
  { id: 'rs-opposite-policy', family: 'role_switch', weight: 0.8, words: ['openai', 'anthropic', 'opposite', 'policies', 'policy', 'guidelines'], pattern: /\b(?:opposite of|contrary to|against|violat\w*|break\w*|disregard\w*) (?:the |all )?(?:openai|anthropic|ai|content|safety)'?s? (?:content )?(?:polic(?:y|ies)|guidelines|rules)\b|\b(?:openai|anthropic)'?s? (?:content )?(?:polic(?:y|ies)|guidelines|rules) (?:do not|don't|does not|doesn't|no longer) (?:apply|matter|exist)\b/g },
  { id: 'rs-no-morals', family: 'role_switch', weight: 0.45, words: ['no', 'without', 'sans', 'zero', 'free', 'devoid'], pattern: /\b(?:no|without|sans|zero|free of|free from|devoid of) (?:any )?(?:morals?|ethics|morality|ethical (?:guidelines|boundaries|constraints|limits)|moral (?:guidelines|boundaries|constraints|compass)|content (?:filters?|polic(?:y|ies)|restrictions)|censorship|prohibitions)\b/g },
  { id: 'rs-freed', family: 'role_switch', weight: 0.85, words: ['freed', 'liberated', 'released', 'broken', 'escaped'], pattern: /\b(?:been |now |are )?(?:freed|liberated|released|broken free|escaped) from (?:the )?(?:\S+ ){0,2}?(?:confines|restrictions|rules|limitations|shackles|chains|constraints|guidelines)\b/g },
  { id: 'rs-no-rules-apply', family: 'role_switch', weight: 0.65, words: ['follow', 'abide', 'adhere', 'obey', 'care', 'bound'], pattern: /\b(?:doesn't|does not|don't|do not|will not|won't|never|no need to|need not|not have to|don't have to) (?:have to |need to )?(?:follow|abide by|adhere to|obey|care about|be bound by) (?:any |the |openai'?s? |anthropic'?s? )?(?:\S+ )?(?:rules|guidelines|policies|restrictions|content polic(?:y|ies)|ethics|ethical guidelines|laws)\b/g },
  { id: 'rs-jailbreak-mode', family: 'role_switch', weight: 0.8, words: ['mode'], pattern: /\b(?:dan|jailbreak|jailbroken|unrestricted|unfiltered|uncensored|opposite|evil|chaos|god) mode\b/g },
  { id: 'rs-you-in-mode', family: 'role_switch', weight: 0.7, words: ['mode'], pattern: /\b(?:you are|you're|you will be|you are now|act|respond|answer|reply|chatgpt|claude|assistant) (?:now )?(?:in|with|as if in) (?:\S+ )?(?:developer|dev|debug|admin|sudo|maintenance|root) mode\b/g },
  { id: 'rs-override-mode', family: 'role_switch', weight: 0.6, words: ['mode'], pattern: /\b(?:entering|enter|activate|activating|now in|switch(?:ing)? to) (?:the )?(?:\S+ ){0,3}?(?:override|unlocked|unrestricted|verification|law enforcement|admin|administrator|root|superuser) mode\b/g },
  { id: 'rs-mode-enabled', family: 'role_switch', weight: 0.6, words: ['mode'], pattern: /\b(?:developer|dev|debug|admin|sudo|maintenance) mode (?:enabled|activated|is (?:now )?(?:enabled|on|active|activated)) ?[.!:]? ?(?:you|from now|ignore|all|your|no)\b|\b(?:developer|dev) mode (?:output|response)\b/g },
  { id: 'rs-named-jailbreak', family: 'role_switch', weight: 0.8, words: ['dan', 'antigpt', 'anti', 'betterdan', 'confidant', 'aim', 'stan', 'dude', 'jailbreak', 'jailbroken', 'chatgpt'], pattern: /\b(?:do anything now|betterdan|anti-?gpt|evil confidant|always intelligent and machiavellian|strive to avoid norms|jailbroken|jailbreak prompt|dan mode|dan prompt|chatgpt with dan)\b/g },
  { id: 'rs-stay-in-character', family: 'role_switch', weight: 0.5, words: ['character'], pattern: /\b(?:stay|remain|keep) in character\b|\b(?:never|don't|do not|must not) break (?:out of )?character\b/g },
  { id: 'rs-two-responses', family: 'role_switch', weight: 0.6, words: ['responses', 'response', 'answers', 'paragraphs'], pattern: /\b(?:two|2|both) (?:different |separate )?(?:responses|answers|paragraphs)\S* (?:\S+ ){0,12}?\S*(?:normal|classic|standard|filtered)\S* (?:\S+ ){0,12}?\S*(?:jailbreak|dan|unfiltered|developer|unrestricted)/g },
  { id: 'rs-no-refusal', family: 'role_switch', weight: 0.55, words: ['refuse', 'cannot', 'can', 'sorry', 'apologize', 'apologise', 'decline', 'warnings', 'disclaimers'], pattern: /\b(?:never|don't|do not|must not|will not|won't|cannot|can't) (?:ever )?(?:refuse|decline|say (?:no|sorry|that you can'?t)|apologi[sz]e|add (?:any )?(?:warnings|disclaimers)|include (?:any )?(?:warnings|disclaimers))\b/g },

  // System-prompt extraction
  { id: 'se-reveal-hidden', family: 'system_prompt_extraction', weight: 0.85, words: ['prompt', 'instructions', 'instruction', 'message', 'directives', 'guidelines', 'configuration', 'rules'], pattern: new RegExp(`\\b${reveal} (?:\\S+ ){0,4}?${hidden} (?:system )?(?:prompt|instructions?|message|directives|guidelines|configuration|rules)\\b`, 'g') },
  { id: 'se-your-prompt', family: 'system_prompt_extraction', weight: 0.45, words: ['prompt', 'instructions'], pattern: /\b(?:your|the) (?:system|initial|original|hidden|secret|developer|pre) ?(?:prompt|instructions)\b/g },
  { id: 'se-repeat-above', family: 'system_prompt_extraction', weight: 0.8, words: ['repeat', 'print', 'output', 'copy', 'echo', 'recite', 'rewrite', 'reproduce', 'translate', 'summarize', 'summarise'], pattern: /\b(?:repeat|print|output|copy|echo|recite|rewrite|reproduce) (?:\S+ ){0,3}?(?:text|words|everything|all|content|instructions|message|lines|sentences|prompt) (?:\S+ )?(?:above|before this|preceding|prior|so far|verbatim|word for word)\b/g },
  { id: 'se-what-told', family: 'system_prompt_extraction', weight: 0.75, words: ['told', 'instructed', 'programmed'], pattern: /\bwhat (?:were|are|was|have) (?:you|u) (?:been )?(?:initially |originally |first |secretly |really )(?:told|instructed|programmed)\b|\bwhat (?:were|are|was|have) (?:you|u) (?:been )?(?:told|instructed|programmed) (?:by (?:your|the) (?:developers?|creators?|operators?|company|system)|in (?:your|the) (?:system )?prompt|before (?:this|our) conversation)\b/g },
  { id: 'se-beginning', family: 'system_prompt_extraction', weight: 0.7, words: ['beginning', 'start', 'first'], pattern: /\b(?:repeat|print|output|tell me|show|what is|what's|write) (?:\S+ ){0,4}?(?:the )?(?:beginning|start|first (?:\S+ )?(?:lines?|words|sentences?)) of (?:the |this |your )?(?:conversation|prompt|context|chat|instructions|document)\b/g },
  { id: 'se-your-prompt-text', family: 'system_prompt_extraction', weight: 0.7, words: ['prompt', 'prompts'], pattern: new RegExp(`\\b${reveal} (?:me |us )?(?:all |the )?(?:of )?(?:your|the) (?:full |complete |entire |exact )?prompts?(?: texts?| instructions)?\\b`, 'g') },
  { id: 'se-password', family: 'system_prompt_extraction', weight: 0.5, words: ['password', 'passphrase', 'secret'], pattern: /\b(?:tell|give|reveal|say|spell|show|print|confirm|share|what is|what's) (?:me |us )?(?:the |your |our )?(?:secret |hidden |system |admin )?(?:password|passphrase|secret key|secret word|secret code)\b/g },

  // Delimiter and format injection
  { id: 'di-chat-tokens', family: 'delimiter_injection', weight: 0.9, marks: ['<|', '|>'], pattern: /<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text|end_of_turn|start_of_turn)\|>/g },
  { id: 'di-inst-tags', family: 'delimiter_injection', weight: 0.85, marks: ['[inst]', '[/inst]', '<<sys>>', '<</sys>>', '<start_of_turn>', '<end_of_turn>'], pattern: /\[\/?inst\]|<<\/?sys>>|<(?:start|end)_of_turn>/g },
  { id: 'di-fake-section', family: 'delimiter_injection', weight: 0.75, marks: ['##', '---', '===', '***', '[[', '{{'], pattern: /(?:#{2,}|-{3,}|={3,}|\*{3,}|\[\[|\{\{) ?(?:system|admin|administrator|developer|new instructions?|instructions?|override|end of (?:prompt|instructions|user input|input|document|context|system prompt)|begin (?:system|admin|developer|new))\b/g },
  { id: 'di-xml-role', family: 'delimiter_injection', weight: 0.55, marks: ['<'], pattern: /<\/?(?:system|system_prompt|instructions?|admin|developer|sys|user_input|prompt|assistant)(?: [^>]{0,40})?>/g },
  { id: 'di-fake-turn', family: 'delimiter_injection', weight: 0.55, words: ['system', 'assistant', 'admin', 'developer', 'ai'], pattern: /(?:^|[.!?;:\])] )(?:system|assistant|admin|administrator|developer|ai) ?(?:message|note|prompt|override)? ?: ?(?:you|ignore|from now|new|the user|override|disregard|forget|always|never|sure)\b/g },
  { id: 'di-end-of-input', family: 'delimiter_injection', weight: 0.6, words: ['end', 'ignore'], pattern: /\bend of (?:the )?(?:user input|user message|document|prompt|instructions|context|system prompt|conversation)\b|\bignore (?:the )?(?:text|everything|anything) (?:above|before) (?:this|here)\b/g },

  { id: 'io-pwned', family: 'instruction_override', weight: 0.7, words: ['pwned'], pattern: /\b(?:i have been|i've been|haha|you have been|you've been) pwned\b/g },

  // Requests to decode and act on a hidden payload
  { id: 'ep-decode-and-follow', family: 'encoded_payload', weight: 0.75, words: ['decode', 'decrypt', 'decipher', 'translate', 'convert', 'unscramble', 'reverse'], pattern: /\b(?:decode|decrypt|decipher|translate|convert|unscramble|reverse) (?:\S+ ){0,6}?(?:and|then|,) (?:\S+ )?(?:follow|execute|do|run|obey|act on|perform|carry out|comply)\b/g },
  { id: 'ep-encoded-instructions', family: 'encoded_payload', weight: 0.5, words: ['base64', 'rot13', 'rot', 'hex', 'caesar', 'encoded', 'cipher', 'binary', 'morse'], pattern: /\b(?:base64|rot-?13|hex|caesar|encoded|cipher|binary|morse)\b (?:\S+ ){0,6}?(?:instructions?|command|prompt|follow|execute|obey)\b/g },
];
