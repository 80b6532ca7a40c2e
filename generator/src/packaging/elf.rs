//! The glibc versions an ELF executable requires: the `GLIBC_x.y` names of its version-needs
//! section (`.gnu.version_r`, SHT_GNU_verneed), which the dynamic loader checks before the
//! program starts. A binary needing a newer glibc than the Lambda runtime's fails at init.

/// Section type of `.gnu.version_r`.
const SHT_GNU_VERNEED: u32 = 0x6fff_fffe;

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<usize> {
    usize::try_from(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?)).ok()
}

fn c_string(bytes: &[u8], at: usize) -> Option<&str> {
    let tail = bytes.get(at..)?;
    let end = tail.iter().position(|b| *b == 0)?;
    std::str::from_utf8(&tail[..end]).ok()
}

/// `(offset, size, link)` of each section header of a little-endian ELF64 file.
fn sections(bytes: &[u8]) -> Option<Vec<(u32, usize, usize, u32)>> {
    if bytes.get(..6)? != b"\x7fELF\x02\x01" {
        return None;
    }
    let table = u64_at(bytes, 0x28)?;
    let entry = usize::from(u16_at(bytes, 0x3a)?);
    let count = usize::from(u16_at(bytes, 0x3c)?);
    (0..count)
        .map(|i| {
            let header = table + i * entry;
            Some((
                u32_at(bytes, header + 4)?,
                u64_at(bytes, header + 0x18)?,
                u64_at(bytes, header + 0x20)?,
                u32_at(bytes, header + 0x28)?,
            ))
        })
        .collect()
}

/// Every `GLIBC_*` version the executable needs, as `(major, minor)`, sorted; an error when
/// the bytes are not a little-endian 64-bit ELF file.
pub fn glibc_versions(bytes: &[u8]) -> Result<Vec<(u32, u32)>, String> {
    let sections = sections(bytes).ok_or("not a little-endian 64-bit ELF file")?;
    let mut versions = Vec::new();
    for &(kind, offset, size, link) in &sections {
        if kind != SHT_GNU_VERNEED {
            continue;
        }
        let strings = sections
            .get(link as usize)
            .map(|s| s.1)
            .ok_or("version needs without a string table")?;
        let mut need = offset;
        while need < offset + size {
            let count = u16_at(bytes, need + 2).ok_or("truncated version need")?;
            let mut aux = need + u32_at(bytes, need + 8).ok_or("truncated version need")? as usize;
            for _ in 0..count {
                let name = u32_at(bytes, aux + 8).ok_or("truncated version entry")? as usize;
                let name = c_string(bytes, strings + name).ok_or("bad version name")?;
                if let Some((major, minor)) =
                    name.strip_prefix("GLIBC_").and_then(|v| v.split_once('.'))
                {
                    let minor = minor.split('.').next().unwrap_or(minor);
                    if let (Ok(major), Ok(minor)) = (major.parse(), minor.parse()) {
                        versions.push((major, minor));
                    }
                }
                aux += u32_at(bytes, aux + 12).ok_or("truncated version entry")? as usize;
            }
            match u32_at(bytes, need + 12).ok_or("truncated version need")? {
                0 => break,
                next => need += next as usize,
            }
        }
    }
    versions.sort_unstable();
    versions.dedup();
    Ok(versions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_glibc_versions_this_test_binary_needs() {
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let versions = glibc_versions(&me).unwrap();
        // Every dynamically linked Rust binary needs at least GLIBC_2.2.5 (x86_64) or 2.17.
        assert!(!versions.is_empty(), "{versions:?}");
        assert!(
            versions.iter().all(|(major, _)| *major == 2),
            "{versions:?}"
        );
        // The same set readelf prints, where binutils is installed.
        if let Some(listed) =
            guardrails_testkit::readelf_glibc_versions(&std::env::current_exe().unwrap())
        {
            assert_eq!(versions, listed);
        }
    }

    #[test]
    fn other_bytes_are_an_error_not_a_panic() {
        assert!(glibc_versions(b"#!/bin/sh\n").is_err());
        assert!(glibc_versions(b"\x7fELF\x02\x01").is_err());
        assert!(glibc_versions(&[]).is_err());
    }
}
