//! DEFLATE blocks as Go's `huffmanBitWriter` writes them: for each block of tokens, the
//! smallest of a fixed-code block, a dynamic-code block and a stored block (Go's size estimates
//! and tie-breaks), the dynamic header's run-length encoding of code lengths, and the bits
//! packed least significant first.

use super::huffman::Codes;

/// Literal/length symbols: 256 bytes, end of block, 29 length codes.
pub(super) const LITERAL_SYMBOLS: usize = 286;
/// Distance symbols.
pub(super) const OFFSET_SYMBOLS: usize = 30;
const END_OF_BLOCK: usize = 256;
const FIRST_LENGTH_CODE: usize = 257;
const CODEGEN_SYMBOLS: usize = 19;
/// Ends the code-length sequence (not a symbol).
const CODEGEN_END: u8 = 255;
/// The most bytes one stored block holds.
pub(super) const MAX_STORED: usize = 65535;

/// Extra bits and base of each length code (lengths minus 3) and distance code (distances
/// minus 1), RFC 1951 3.2.5.
const LENGTH_EXTRA: [u8; 29] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const LENGTH_BASE: [u16; 29] =
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 255];
const OFFSET_EXTRA: [u8; 30] =
    [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const OFFSET_BASE: [u32; 30] = [
    0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144,
    8192, 12288, 16384, 24576,
];
/// The order code-length code lengths are sent in.
const CODEGEN_ORDER: [usize; 19] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/// What the matcher emits: a byte, or a match of `len - 3` bytes at distance `offset + 1`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Token {
    Literal(u16),
    Match { len: u8, offset: u16 },
}

/// The length code (0..29) of a match length minus 3.
fn length_code(len: u8) -> usize {
    LENGTH_BASE.partition_point(|&base| base <= u16::from(len)) - 1
}

/// The distance code (0..30) of a distance minus 1.
fn offset_code(offset: u16) -> usize {
    OFFSET_BASE.partition_point(|&base| base <= u32::from(offset)) - 1
}

/// Bits packed least significant first into bytes.
#[derive(Default)]
pub(super) struct BitWriter {
    pub(super) out: Vec<u8>,
    bits: u64,
    nbits: u32,
}

impl BitWriter {
    fn bits(&mut self, value: u32, count: u8) {
        self.bits |= u64::from(value) << self.nbits;
        self.nbits += u32::from(count);
        while self.nbits >= 8 {
            self.out.push(self.bits as u8);
            self.bits >>= 8;
            self.nbits -= 8;
        }
    }

    fn code(&mut self, codes: &Codes, symbol: usize) {
        self.bits(u32::from(codes.code[symbol]), codes.len[symbol]);
    }

    /// Pads to a byte boundary with zero bits.
    pub(super) fn align(&mut self) {
        if self.nbits > 0 {
            self.out.push(self.bits as u8);
        }
        self.bits = 0;
        self.nbits = 0;
    }

    /// A stored block's header (then `len` raw bytes follow): type 00, aligned, LEN, NLEN.
    pub(super) fn stored_header(&mut self, len: usize, last: bool) {
        self.bits(u32::from(last), 3);
        self.align();
        self.bits(len as u32, 16);
        self.bits(u32::from(!(len as u16)), 16);
    }
}

/// Writes blocks, keeping the codes' buffers between them (Go's `huffmanBitWriter`).
pub(super) struct BlockWriter {
    pub(super) w: BitWriter,
    literal_freq: Vec<i32>,
    offset_freq: Vec<i32>,
    codegen_freq: [i32; CODEGEN_SYMBOLS],
    codegen: Vec<u8>,
    literals: Codes,
    offsets: Codes,
    codegen_codes: Codes,
    fixed_literals: Codes,
    fixed_offsets: Codes,
}

impl BlockWriter {
    pub(super) fn new() -> BlockWriter {
        BlockWriter {
            w: BitWriter::default(),
            literal_freq: vec![0; LITERAL_SYMBOLS],
            offset_freq: vec![0; OFFSET_SYMBOLS],
            codegen_freq: [0; CODEGEN_SYMBOLS],
            codegen: Vec::new(),
            literals: Codes::new(LITERAL_SYMBOLS),
            offsets: Codes::new(OFFSET_SYMBOLS),
            codegen_codes: Codes::new(CODEGEN_SYMBOLS),
            fixed_literals: Codes::fixed_literals(),
            fixed_offsets: Codes::fixed_offsets(),
        }
    }

    /// One block of `tokens` in its smallest encoding; `input` is the bytes they stand for when
    /// still at hand (a stored block is then possible).
    pub(super) fn write_block(&mut self, tokens: &[Token], last: bool, input: Option<&[u8]>) {
        let (num_literals, num_offsets) = self.index_tokens(tokens);
        let stored = input.filter(|i| i.len() <= MAX_STORED).map(|i| (i.len() as i64 + 5) * 8);
        // Extra bits cost the same in both Huffman encodings: counted only to compare with stored.
        let mut extra = 0i64;
        if stored.is_some() {
            for code in FIRST_LENGTH_CODE + 8..num_literals {
                extra += i64::from(self.literal_freq[code]) * i64::from(LENGTH_EXTRA[code - FIRST_LENGTH_CODE]);
            }
            let offsets = self.offset_freq.iter().zip(OFFSET_EXTRA).take(num_offsets).skip(4);
            extra += offsets.map(|(&f, bits)| i64::from(f) * i64::from(bits)).sum::<i64>();
        }
        let fixed_size = 3
            + self.fixed_literals.bit_length(&self.literal_freq)
            + self.fixed_offsets.bit_length(&self.offset_freq)
            + extra;
        self.generate_codegen(num_literals, num_offsets);
        self.codegen_codes.generate(&self.codegen_freq, 7);
        let (dynamic_size, num_codegens) = self.dynamic_size(extra);
        let dynamic = dynamic_size < fixed_size;
        let size = fixed_size.min(dynamic_size);
        if let (Some(stored_size), Some(input)) = (stored, input)
            && stored_size < size
        {
            self.w.stored_header(input.len(), last);
            self.w.align();
            self.w.out.extend_from_slice(input);
            return;
        }
        if dynamic {
            self.dynamic_header(num_literals, num_offsets, num_codegens, last);
            self.tokens(tokens, false);
        } else {
            self.w.bits(if last { 3 } else { 2 }, 3);
            self.tokens(tokens, true);
        }
    }

    /// Counts the symbols of `tokens` and an end of block, builds their codes, and returns
    /// how many literal/length and distance codes the block's header lists.
    fn index_tokens(&mut self, tokens: &[Token]) -> (usize, usize) {
        self.literal_freq.fill(0);
        self.offset_freq.fill(0);
        for token in tokens {
            match *token {
                Token::Literal(byte) => self.literal_freq[usize::from(byte)] += 1,
                Token::Match { len, offset } => {
                    self.literal_freq[FIRST_LENGTH_CODE + length_code(len)] += 1;
                    self.offset_freq[offset_code(offset)] += 1;
                }
            }
        }
        self.literal_freq[END_OF_BLOCK] += 1;
        let num_literals = self.literal_freq.iter().rposition(|&f| f != 0).map_or(0, |i| i + 1);
        let mut num_offsets = self.offset_freq.iter().rposition(|&f| f != 0).map_or(0, |i| i + 1);
        if num_offsets == 0 {
            // A dynamic header needs one distance code even when no match uses it.
            self.offset_freq[0] = 1;
            num_offsets = 1;
        }
        self.literals.generate(&self.literal_freq, 15);
        self.offsets.generate(&self.offset_freq, 15);
        (num_literals, num_offsets)
    }

    /// The code lengths of both codes, run-length encoded with the code-length alphabet's
    /// repeat symbols 16, 17 and 18 (each followed by its repeat count), and their frequencies.
    fn generate_codegen(&mut self, num_literals: usize, num_offsets: usize) {
        self.codegen_freq = [0; CODEGEN_SYMBOLS];
        let mut sizes: Vec<u8> = self.literals.len[..num_literals].to_vec();
        sizes.extend_from_slice(&self.offsets.len[..num_offsets]);
        sizes.push(CODEGEN_END);
        let out = &mut self.codegen;
        out.clear();
        let freq = &mut self.codegen_freq;
        let mut size = sizes[0];
        let mut count: i64 = 1;
        let mut next_index = 1;
        while size != CODEGEN_END {
            let next = sizes[next_index];
            next_index += 1;
            if next == size {
                count += 1;
                continue;
            }
            if size != 0 {
                out.push(size);
                freq[usize::from(size)] += 1;
                count -= 1;
                while count >= 3 {
                    let n = count.min(6);
                    out.extend([16, (n - 3) as u8]);
                    freq[16] += 1;
                    count -= n;
                }
            } else {
                while count >= 11 {
                    let n = count.min(138);
                    out.extend([18, (n - 11) as u8]);
                    freq[18] += 1;
                    count -= n;
                }
                if count >= 3 {
                    out.extend([17, (count - 3) as u8]);
                    freq[17] += 1;
                    count = 0;
                }
            }
            for _ in 0..count.max(0) {
                out.push(size);
                freq[usize::from(size)] += 1;
            }
            size = next;
            count = 1;
        }
        out.push(CODEGEN_END);
    }

    /// The bits of a dynamic block and how many code-length code lengths its header lists.
    fn dynamic_size(&self, extra: i64) -> (i64, usize) {
        let mut num_codegens = CODEGEN_SYMBOLS;
        while num_codegens > 4 && self.codegen_freq[CODEGEN_ORDER[num_codegens - 1]] == 0 {
            num_codegens -= 1;
        }
        let header = 3
            + 5
            + 5
            + 4
            + 3 * num_codegens as i64
            + self.codegen_codes.bit_length(&self.codegen_freq)
            + i64::from(self.codegen_freq[16]) * 2
            + i64::from(self.codegen_freq[17]) * 3
            + i64::from(self.codegen_freq[18]) * 7;
        let body = self.literals.bit_length(&self.literal_freq) + self.offsets.bit_length(&self.offset_freq);
        (header + body + extra, num_codegens)
    }

    fn dynamic_header(&mut self, num_literals: usize, num_offsets: usize, num_codegens: usize, last: bool) {
        let w = &mut self.w;
        w.bits(if last { 5 } else { 4 }, 3);
        w.bits((num_literals - 257) as u32, 5);
        w.bits((num_offsets - 1) as u32, 5);
        w.bits((num_codegens - 4) as u32, 4);
        for &symbol in &CODEGEN_ORDER[..num_codegens] {
            w.bits(u32::from(self.codegen_codes.len[symbol]), 3);
        }
        let mut i = 0;
        while self.codegen[i] != CODEGEN_END {
            let symbol = self.codegen[i];
            i += 1;
            w.code(&self.codegen_codes, usize::from(symbol));
            let extra_bits = match symbol {
                16 => 2,
                17 => 3,
                18 => 7,
                _ => continue,
            };
            w.bits(u32::from(self.codegen[i]), extra_bits);
            i += 1;
        }
    }

    /// The tokens and the end of block, in the fixed code or the block's own.
    fn tokens(&mut self, tokens: &[Token], fixed: bool) {
        let (literals, offsets) =
            if fixed { (&self.fixed_literals, &self.fixed_offsets) } else { (&self.literals, &self.offsets) };
        let w = &mut self.w;
        for token in tokens {
            match *token {
                Token::Literal(byte) => w.code(literals, usize::from(byte)),
                Token::Match { len, offset } => {
                    let code = length_code(len);
                    w.code(literals, FIRST_LENGTH_CODE + code);
                    if LENGTH_EXTRA[code] > 0 {
                        w.bits(u32::from(u16::from(len) - LENGTH_BASE[code]), LENGTH_EXTRA[code]);
                    }
                    let code = offset_code(offset);
                    w.code(offsets, code);
                    if OFFSET_EXTRA[code] > 0 {
                        w.bits(u32::from(offset) - OFFSET_BASE[code], OFFSET_EXTRA[code]);
                    }
                }
            }
        }
        w.code(literals, END_OF_BLOCK);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_and_offset_codes_follow_the_rfc_tables() {
        // Lengths 3..=10 are codes 0..=7; 257 is code 27 (224 + 5 extra bits); 258 is 28.
        assert_eq!((length_code(0), length_code(7), length_code(8), length_code(9)), (0, 7, 8, 8));
        assert_eq!((length_code(254), length_code(255)), (27, 28));
        assert_eq!((offset_code(0), offset_code(4), offset_code(5), offset_code(32767)), (0, 4, 4, 29));
    }

    #[test]
    fn a_stored_header_is_aligned_with_its_complement() {
        let mut w = BitWriter::default();
        w.stored_header(0, true);
        assert_eq!(w.out, vec![1, 0, 0, 0xff, 0xff]);
    }
}
