//! Reading the files users hand us (certificates, keys, CSRs, CRLs,
//! passphrases, apply files) with a size limit: `/dev/zero`, `/dev/urandom`
//! or a mistaken multi-gigabyte file must end in an error, not in all the
//! machine's memory.

use std::io::{self, Read};
use std::path::Path;

/// More than any certificate, key, CSR or apply file, and than the largest
/// CRLs public CAs publish.
pub const MAX_INPUT_BYTES: u64 = 256 << 20;

/// Reads all of `reader`, refusing more than [`MAX_INPUT_BYTES`].
pub fn read_limited(reader: impl Read) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!(
                "it holds more than {} MiB, more than any file `ca` reads: is it the right one?",
                MAX_INPUT_BYTES >> 20
            ),
        ));
    }
    Ok(bytes)
}

/// `std::fs::read` with the size limit of [`read_limited`].
pub fn read_file(path: &Path) -> io::Result<Vec<u8>> {
    read_limited(std::fs::File::open(path)?)
}

/// `std::fs::read_to_string` with the size limit of [`read_limited`].
pub fn read_file_to_string(path: &Path) -> io::Result<String> {
    String::from_utf8(read_file(path)?).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_after_the_limit() {
        let endless = io::repeat(0);
        let err = read_limited(endless).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
        assert_eq!(read_limited(&b"abc"[..]).unwrap(), b"abc");
    }
}
