//! The LZ77 half of Go's `compress/flate` writer at levels 4 to 9 (the lazy matcher): a
//! 64 KiB window slid by 32 KiB, hash chains over 4-byte prefixes, matches of 4 to 258 bytes
//! preferred lazily (a match is kept only if the next position's is no longer), blocks of at
//! most 16,384 tokens, and Go's `Write`/`Flush`/`Close` semantics.
//!
//! Only levels 5 and 6 are implemented (their search effort differs; the algorithm is the same
//! for 4 to 9): Terraform's functions and the providers drplan computes for use 6 (gzip's
//! default) and 5 (zip's). Go's levels 0 to 3 use other algorithms.

use super::blocks::{BlockWriter, Token};

const WINDOW_SIZE: usize = 1 << 15;
const WINDOW_MASK: usize = WINDOW_SIZE - 1;
const MIN_MATCH: usize = 4;
const MAX_MATCH: usize = 258;
const MAX_BLOCK_TOKENS: usize = 1 << 14;
const HASH_BITS: u32 = 17;
const HASH_SIZE: usize = 1 << HASH_BITS;
const MAX_HASH_OFFSET: i64 = 1 << 24;
/// A match this far back must be longer than the minimum to be worth it.
const FAR_MINIMUM_MATCH: usize = 4096;

/// A level's search effort: Go's `compressionLevel` for the lazy levels.
#[derive(Clone, Copy)]
struct Effort {
    /// A match this long searches only a quarter of the chain.
    good: usize,
    /// A match this long is not improved upon at the next position.
    lazy: usize,
    /// A match this long ends the search.
    nice: usize,
    /// The most chain entries searched.
    chain: usize,
}

/// The levels implemented: 5 (Go's `archive/zip`) and 6 (`DefaultCompression`, gzip's).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Level {
    Five,
    Six,
}

impl Level {
    fn effort(self) -> Effort {
        let (good, lazy, nice, chain) = match self {
            Level::Five => (8, 16, 32, 32),
            Level::Six => (8, 16, 128, 128),
        };
        Effort { good, lazy, nice, chain }
    }
}

/// Go's `flate.Writer` at one of the lazy levels, writing into memory.
pub struct Deflater {
    effort: Effort,
    blocks: BlockWriter,
    window: Vec<u8>,
    window_end: usize,
    /// The next byte to process is `window[index]`.
    index: usize,
    /// Where the pending block's bytes start in the window (`None` once they slid out).
    block_start: Option<usize>,
    /// `window[index - 1]` still waits to be emitted as a literal (lazy matching).
    byte_available: bool,
    tokens: Vec<Token>,
    /// The match found at the previous position (length `MIN_MATCH - 1` for none).
    length: usize,
    offset: usize,
    hash_head: Vec<u32>,
    hash_prev: Vec<u32>,
    hash_offset: i64,
    chain_head: i64,
    max_insert_index: usize,
    sync: bool,
}

impl Deflater {
    pub fn new(level: Level) -> Deflater {
        Deflater {
            effort: level.effort(),
            blocks: BlockWriter::new(),
            window: vec![0; 2 * WINDOW_SIZE],
            window_end: 0,
            index: 0,
            block_start: Some(0),
            byte_available: false,
            tokens: Vec::with_capacity(MAX_BLOCK_TOKENS + 1),
            length: MIN_MATCH - 1,
            offset: 0,
            hash_head: vec![0; HASH_SIZE],
            hash_prev: vec![0; WINDOW_SIZE],
            hash_offset: 1,
            chain_head: -1,
            max_insert_index: 0,
            sync: false,
        }
    }

    /// Go's `Write`: the bytes join the window; blocks are written as it fills.
    pub fn write(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            self.deflate();
            let n = self.fill(data);
            data = &data[n..];
        }
    }

    /// Go's `Flush`: everything so far in blocks, then an empty stored block (a sync flush).
    pub fn flush(&mut self) {
        self.sync = true;
        self.deflate();
        self.blocks.w.stored_header(0, false);
        self.blocks.w.align();
        self.sync = false;
    }

    /// Go's `Close`: everything in blocks, an empty final stored block; the stream.
    pub fn finish(mut self) -> Vec<u8> {
        self.sync = true;
        self.deflate();
        self.blocks.w.stored_header(0, true);
        self.blocks.w.align();
        self.blocks.w.out
    }

    /// Copies what fits into the window, first sliding it by half when processing nears its end.
    fn fill(&mut self, data: &[u8]) -> usize {
        if self.index >= 2 * WINDOW_SIZE - (MIN_MATCH + MAX_MATCH) {
            self.window.copy_within(WINDOW_SIZE.., 0);
            self.index -= WINDOW_SIZE;
            self.window_end -= WINDOW_SIZE;
            self.block_start = self.block_start.and_then(|s| s.checked_sub(WINDOW_SIZE));
            self.hash_offset += WINDOW_SIZE as i64;
            if self.hash_offset > MAX_HASH_OFFSET {
                self.rebase_hashes();
            }
        }
        let n = data.len().min(self.window.len() - self.window_end);
        self.window[self.window_end..self.window_end + n].copy_from_slice(&data[..n]);
        self.window_end += n;
        n
    }

    /// Keeps chain positions small: what is out of reach becomes 0 (empty).
    fn rebase_hashes(&mut self) {
        let delta = self.hash_offset - 1;
        self.hash_offset -= delta;
        self.chain_head -= delta;
        for v in self.hash_prev.iter_mut().chain(self.hash_head.iter_mut()) {
            *v = if i64::from(*v) > delta { (i64::from(*v) - delta) as u32 } else { 0 };
        }
    }

    fn hash4(&self, at: usize) -> usize {
        let b = &self.window[at..at + 4];
        let word = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        (word.wrapping_mul(0x1e35a7bd) >> (32 - HASH_BITS)) as usize
    }

    /// Adds the position `at` to its hash chain, returning the chain's previous head.
    fn insert(&mut self, at: usize) -> i64 {
        let hash = self.hash4(at);
        let head = self.hash_head[hash];
        self.hash_prev[at & WINDOW_MASK] = head;
        self.hash_head[hash] = (at as i64 + self.hash_offset) as u32;
        i64::from(head)
    }

    /// Writes the pending tokens as a block ending at `index`.
    fn write_block(&mut self, index: usize) {
        if index == 0 {
            return;
        }
        let input = self.block_start.filter(|&s| s <= index).map(|s| &self.window[s..index]);
        self.blocks.write_block(&self.tokens, false, input);
        self.block_start = Some(index);
        self.tokens.clear();
    }

    fn emit(&mut self, token: Token, block_end: usize) {
        self.tokens.push(token);
        if self.tokens.len() == MAX_BLOCK_TOKENS {
            self.write_block(block_end);
        }
    }

    /// Processes the window while enough lookahead remains (all of it when syncing).
    fn deflate(&mut self) {
        if self.window_end - self.index < MIN_MATCH + MAX_MATCH && !self.sync {
            return;
        }
        self.max_insert_index = self.window_end.saturating_sub(MIN_MATCH - 1);
        loop {
            let lookahead = self.window_end - self.index;
            if lookahead < MIN_MATCH + MAX_MATCH {
                if !self.sync {
                    return;
                }
                if lookahead == 0 {
                    if self.byte_available {
                        self.tokens.push(Token::Literal(u16::from(self.window[self.index - 1])));
                        self.byte_available = false;
                    }
                    if !self.tokens.is_empty() {
                        self.write_block(self.index);
                    }
                    return;
                }
            }
            self.step(lookahead);
        }
    }

    /// One position of the lazy matcher.
    fn step(&mut self, lookahead: usize) {
        if self.index < self.max_insert_index {
            self.chain_head = self.insert(self.index);
        }
        let (prev_length, prev_offset) = (self.length, self.offset);
        self.length = MIN_MATCH - 1;
        self.offset = 0;
        let min_index = self.index.saturating_sub(WINDOW_SIZE) as i64;
        let head = self.chain_head - self.hash_offset;
        let worth_a_search = head >= min_index && lookahead > prev_length && prev_length < self.effort.lazy;
        if worth_a_search && let Some((length, offset)) = self.find_match(self.index, head, lookahead) {
            self.length = length;
            self.offset = offset;
        }
        if prev_length >= MIN_MATCH && self.length <= prev_length {
            // The previous position's match is at least as good: emit it, and index every
            // position it covers.
            let token = Token::Match { len: (prev_length - 3) as u8, offset: (prev_offset - 1) as u16 };
            self.tokens.push(token);
            let end = self.index + prev_length - 1;
            self.index += 1;
            while self.index < end {
                if self.index < self.max_insert_index {
                    self.insert(self.index);
                }
                self.index += 1;
            }
            self.byte_available = false;
            self.length = MIN_MATCH - 1;
            if self.tokens.len() == MAX_BLOCK_TOKENS {
                self.write_block(self.index);
            }
        } else {
            if self.byte_available {
                let literal = Token::Literal(u16::from(self.window[self.index - 1]));
                self.emit(literal, self.index);
            }
            self.index += 1;
            self.byte_available = true;
        }
    }

    /// The longest match for `pos` along its hash chain from `head`, longer than the minimum;
    /// a 4-byte match only within 4 KiB.
    fn find_match(&self, pos: usize, head: i64, lookahead: usize) -> Option<(usize, usize)> {
        let look = lookahead.min(MAX_MATCH);
        let win = &self.window[..pos + look];
        let nice = look.min(self.effort.nice);
        let mut length = MIN_MATCH - 1;
        let mut tries = self.effort.chain;
        if length >= self.effort.good {
            tries >>= 2;
        }
        let mut best = None;
        let mut end_byte = win[pos + length];
        let min_index = pos as i64 - WINDOW_SIZE as i64;
        let mut i = head;
        while tries > 0 {
            let at = i as usize;
            if end_byte == win[at + length] {
                let n = win[at..at + look].iter().zip(&win[pos..]).take_while(|(a, b)| a == b).count();
                if n > length && (n > MIN_MATCH || pos - at <= FAR_MINIMUM_MATCH) {
                    length = n;
                    best = Some((n, pos - at));
                    if n >= nice {
                        break;
                    }
                    end_byte = win[pos + n];
                }
            }
            if i == min_index {
                break;
            }
            i = i64::from(self.hash_prev[at & WINDOW_MASK]) - self.hash_offset;
            if i < min_index || i < 0 {
                break;
            }
            tries -= 1;
        }
        best
    }
}
