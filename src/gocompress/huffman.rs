//! Huffman code lengths as Go's `compress/flate` chooses them: code lengths bounded by a
//! maximum depth (15 for literals and offsets, 7 for the code-length alphabet), computed level
//! by level from the symbols sorted by frequency (ties by symbol), and canonical codes assigned
//! per length in symbol order (RFC 1951, 3.2.2).
//!
//! Any optimal length-limited code decodes the same, but the bytes differ with the tie-breaks;
//! this module reproduces Go's choice, so a stream equals the one Terraform's functions write.

/// The deepest tree the construction supports (the caller's limit is lower).
const MAX_BITS_LIMIT: usize = 16;

/// Stands for "no more symbols or pairs" in the level bookkeeping.
const NONE: i64 = i32::MAX as i64;

/// The code of each symbol: its bits (already reversed, to be written LSB first) and length;
/// a length of 0 for a symbol that does not occur.
#[derive(Clone, Debug)]
pub(super) struct Codes {
    pub(super) code: Vec<u16>,
    pub(super) len: Vec<u8>,
}

impl Codes {
    pub(super) fn new(symbols: usize) -> Codes {
        Codes { code: vec![0; symbols], len: vec![0; symbols] }
    }

    /// The fixed literal/length code of RFC 1951, 3.2.6.
    pub(super) fn fixed_literals() -> Codes {
        let mut codes = Codes::new(super::blocks::LITERAL_SYMBOLS);
        for symbol in 0..super::blocks::LITERAL_SYMBOLS {
            let s = symbol as u16;
            let (bits, len) = match symbol {
                0..=143 => (s + 48, 8),
                144..=255 => (s + 400 - 144, 9),
                256..=279 => (s - 256, 7),
                _ => (s + 192 - 280, 8),
            };
            codes.code[symbol] = reverse(bits, len);
            codes.len[symbol] = len;
        }
        codes
    }

    /// The fixed distance code: five bits each.
    pub(super) fn fixed_offsets() -> Codes {
        let mut codes = Codes::new(super::blocks::OFFSET_SYMBOLS);
        for symbol in 0..super::blocks::OFFSET_SYMBOLS {
            codes.code[symbol] = reverse(symbol as u16, 5);
            codes.len[symbol] = 5;
        }
        codes
    }

    /// The bits `freq` takes in this code.
    pub(super) fn bit_length(&self, freq: &[i32]) -> i64 {
        freq.iter().zip(&self.len).filter(|(f, _)| **f != 0).map(|(f, l)| i64::from(*f) * i64::from(*l)).sum()
    }

    /// Rebuilds the code for the frequencies `freq`, no code longer than `max_bits`.
    pub(super) fn generate(&mut self, freq: &[i32], max_bits: usize) {
        let mut list: Vec<(u16, i32)> = Vec::with_capacity(freq.len() + 1);
        for (symbol, &f) in freq.iter().enumerate() {
            if f != 0 {
                list.push((symbol as u16, f));
            } else {
                self.len[symbol] = 0;
            }
        }
        // One or two symbols: one bit each, in symbol order.
        if list.len() <= 2 {
            for (i, &(symbol, _)) in list.iter().enumerate() {
                self.code[usize::from(symbol)] = i as u16;
                self.len[usize::from(symbol)] = 1;
            }
            return;
        }
        list.sort_by_key(|&(symbol, f)| (f, symbol));
        let counts = bit_counts(&list, max_bits);
        self.assign(&counts, &list);
    }

    /// Gives the least frequent symbols the longest codes: `counts[n]` symbols get `n` bits,
    /// and within one length, codes rise with the symbol.
    fn assign(&mut self, counts: &[i32], by_frequency: &[(u16, i32)]) {
        let mut code = 0u16;
        let mut rest = by_frequency;
        for (bits, &count) in counts.iter().enumerate() {
            code <<= 1;
            if bits == 0 || count == 0 {
                continue;
            }
            let (head, chunk) = rest.split_at(rest.len() - count as usize);
            let mut chunk = chunk.to_vec();
            chunk.sort_by_key(|&(symbol, _)| symbol);
            for (symbol, _) in chunk {
                self.code[usize::from(symbol)] = reverse(code, bits as u8);
                self.len[usize::from(symbol)] = bits as u8;
                code = code.wrapping_add(1);
            }
            rest = head;
        }
    }
}

/// One depth of the tree under construction (Go's `levelInfo`).
#[derive(Clone, Copy, Default)]
struct Level {
    last_freq: i64,
    next_char_freq: i64,
    next_pair_freq: i64,
    needed: i64,
}

/// How many symbols get each code length (index = length), for at least three symbols sorted
/// by frequency: Go's `bitCounts`, a boundary package-merge over at most `max_bits` levels.
fn bit_counts(list: &[(u16, i32)], max_bits: usize) -> Vec<i32> {
    let n = list.len();
    let freq = |i: usize| list.get(i).map_or(NONE, |&(_, f)| i64::from(f));
    let max_bits = max_bits.min(n - 1);
    let mut levels = [Level::default(); MAX_BITS_LIMIT];
    // leaf_counts[i][j]: the symbols left of the depth-j ancestor of depth i's rightmost node.
    let mut leaf_counts = [[0i32; MAX_BITS_LIMIT]; MAX_BITS_LIMIT];
    for level in 1..=max_bits {
        levels[level] = Level {
            last_freq: freq(1),
            next_char_freq: freq(2),
            next_pair_freq: if level == 1 { NONE } else { freq(0) + freq(1) },
            needed: 0,
        };
        leaf_counts[level][level] = 2;
    }
    levels[max_bits].needed = 2 * n as i64 - 4;
    let mut level = max_bits;
    loop {
        let l = &mut levels[level];
        if l.next_pair_freq == NONE && l.next_char_freq == NONE {
            // Out of symbols and pairs: this depth and those below are done.
            l.needed = 0;
            levels[level + 1].next_pair_freq = NONE;
            level += 1;
            continue;
        }
        let prev_freq = l.last_freq;
        if l.next_char_freq < l.next_pair_freq {
            let next = leaf_counts[level][level] + 1;
            l.last_freq = l.next_char_freq;
            leaf_counts[level][level] = next;
            l.next_char_freq = freq(next as usize);
        } else {
            l.last_freq = l.next_pair_freq;
            let below = leaf_counts[level - 1];
            leaf_counts[level][..level].copy_from_slice(&below[..level]);
            levels[level - 1].needed = 2;
        }
        let l = &mut levels[level];
        l.needed -= 1;
        if l.needed == 0 {
            if level == max_bits {
                break;
            }
            let pair = prev_freq + l.last_freq;
            levels[level + 1].next_pair_freq = pair;
            level += 1;
        } else {
            while levels[level - 1].needed > 0 {
                level -= 1;
            }
        }
    }
    let mut counts = vec![0i32; max_bits + 1];
    let top = &leaf_counts[max_bits];
    for (bits, level) in (1..=max_bits).rev().enumerate() {
        counts[bits + 1] = top[level] - top[level - 1];
    }
    counts
}

/// `bits` reversed over `len` bits (Huffman codes are sent most significant bit first, into an
/// LSB-first stream).
pub(super) fn reverse(bits: u16, len: u8) -> u16 {
    (bits << (16 - u32::from(len))).reverse_bits()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lengths of a code from frequencies, as a list per symbol.
    fn lengths(freq: &[i32], max_bits: usize) -> Vec<u8> {
        let mut codes = Codes::new(freq.len());
        codes.generate(freq, max_bits);
        codes.len
    }

    #[test]
    fn lengths_follow_the_frequencies_and_respect_the_limit() {
        assert_eq!(lengths(&[5, 0, 3], 15), vec![1, 0, 1], "two symbols: one bit each");
        assert_eq!(lengths(&[1, 1, 2, 4], 15), vec![3, 3, 2, 1]);
        // A Fibonacci distribution wants depth 9; at most 4 bits are allowed.
        let fib = [1, 1, 2, 3, 5, 8, 13, 21, 34, 55];
        let limited = lengths(&fib, 4);
        assert!(limited.iter().all(|&l| l <= 4), "{limited:?}");
        let kraft: f64 = limited.iter().map(|&l| 0.5f64.powi(i32::from(l))).sum();
        assert!((kraft - 1.0).abs() < 1e-9, "a complete code: {limited:?}");
    }

    #[test]
    fn codes_are_canonical() {
        let mut codes = Codes::new(4);
        codes.generate(&[1, 1, 2, 4], 15);
        // Lengths 3, 3, 2, 1: codes 110, 111, 10, 0 (RFC 1951's construction), reversed.
        assert_eq!(codes.code, vec![reverse(0b110, 3), reverse(0b111, 3), reverse(0b10, 2), 0]);
    }
}
