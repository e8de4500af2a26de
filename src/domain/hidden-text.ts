/**
 * Characters that hide in text or change how the text around them reads: every control character, every format
 * character (direction marks, which move the digits and punctuation beside them on screen, overrides and isolates,
 * invisible operators, tags) and every other character Unicode says to show as nothing (a grapheme joiner, Hangul
 * fillers, variation selectors). The inside of a character class, for a regular expression with the `u` flag.
 */
export const hiddenCharacters = "\\p{Cc}\\p{Cf}\\p{Default_Ignorable_Code_Point}";
