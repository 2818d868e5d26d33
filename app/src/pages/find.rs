//! Finding a term in a line of text, for highlighting: the line cut into pieces, each marked
//! as a match of the term (any case) or not.

/// `text` in order, as pieces that together are `text`; the matching ones flagged. An empty
/// term matches nothing.
pub fn pieces(text: &str, term: &str) -> Vec<(String, bool)> {
    // Compared a character at a time, each folded to lower case, so offsets stay those of `text`
    // even where lower-casing would change a character's length in bytes.
    let fold = |c: char| c.to_lowercase().next().unwrap_or(c);
    let needle: Vec<char> = term.chars().map(fold).collect();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    if needle.is_empty() || chars.len() < needle.len() {
        return vec![(text.to_string(), false)];
    }
    let byte_at = |i: usize| chars.get(i).map_or(text.len(), |(at, _)| *at);
    let mut out = Vec::new();
    let (mut plain_from, mut i) = (0, 0);
    while i + needle.len() <= chars.len() {
        if chars[i..i + needle.len()].iter().zip(&needle).all(|((_, c), n)| fold(*c) == *n) {
            if plain_from < i {
                out.push((text[byte_at(plain_from)..byte_at(i)].to_string(), false));
            }
            out.push((text[byte_at(i)..byte_at(i + needle.len())].to_string(), true));
            i += needle.len();
            plain_from = i;
        } else {
            i += 1;
        }
    }
    if plain_from < chars.len() {
        out.push((text[byte_at(plain_from)..].to_string(), false));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::pieces;

    #[test]
    fn matches_are_marked_in_any_case_and_the_pieces_are_the_line() {
        let found = pieces("Error: disk error at ERROR.log", "error");
        let marked: Vec<&str> = found.iter().filter(|(_, hit)| *hit).map(|(p, _)| p.as_str()).collect();
        assert_eq!(marked, ["Error", "error", "ERROR"]);
        assert_eq!(found.iter().map(|(p, _)| p.as_str()).collect::<String>(), "Error: disk error at ERROR.log");
        assert_eq!(pieces("abc", ""), [("abc".to_string(), false)]);
        assert_eq!(pieces("ab", "abc"), [("ab".to_string(), false)]);
        assert_eq!(pieces("aaa", "aa"), [("aa".to_string(), true), ("a".to_string(), false)], "matches do not overlap");
    }

    #[test]
    fn characters_of_several_bytes_keep_their_place() {
        let found = pieces("Größe İst grösse", "grö");
        assert_eq!(found.iter().filter(|(_, hit)| *hit).count(), 2);
        assert_eq!(found.iter().map(|(p, _)| p.as_str()).collect::<String>(), "Größe İst grösse");
    }
}
