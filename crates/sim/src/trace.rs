//! The run's trace: one line per step, folded into a hash (64-bit FNV-1a, so
//! the value does not depend on the standard library's hasher), and kept for
//! `--verbose`.

pub struct Trace {
    hash: u64,
    keep: bool,
    lines: Vec<String>,
    step: u32,
}

impl Trace {
    pub fn new(keep: bool) -> Trace {
        Trace {
            hash: 0xcbf2_9ce4_8422_2325,
            keep,
            lines: Vec::new(),
            step: 0,
        }
    }

    pub fn set_step(&mut self, step: u32) {
        self.step = step;
    }

    pub fn line(&mut self, text: String) {
        for byte in text.bytes().chain(std::iter::once(b'\n')) {
            self.hash ^= u64::from(byte);
            self.hash = self.hash.wrapping_mul(0x0100_0000_01b3);
        }
        if self.keep {
            self.lines.push(format!("{:>4} {text}", self.step));
        }
    }

    pub fn hash(&self) -> u64 {
        self.hash
    }

    pub fn lines(&self) -> &[String] {
        &self.lines
    }
}
