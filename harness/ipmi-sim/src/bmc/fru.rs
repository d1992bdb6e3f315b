//! FRU inventory (Platform Management FRU Information Storage Definition
//! v1.0): a common header, chassis, board and product info areas, each
//! padded to 8 bytes with a zero-sum checksum.

use crate::scenario::FruInfo;

/// Builds the FRU 0 image.
pub fn build_image(info: &FruInfo, mfg_minutes: u32) -> Vec<u8> {
    let chassis = area(vec![0x17], &[&info.chassis_part, &info.chassis_serial]); // 17h: rack mount chassis
    let board_head = {
        let m = mfg_minutes.to_le_bytes();
        vec![0x00, m[0], m[1], m[2]] // language English, mfg date/time (minutes since 1996)
    };
    let board = area(
        board_head,
        &[
            &info.board_manufacturer,
            &info.board_product,
            &info.board_serial,
            &info.board_part,
            "",
        ],
    );
    let product = area(
        vec![0x00],
        &[
            &info.product_manufacturer,
            &info.product_name,
            &info.product_part,
            &info.product_version,
            &info.product_serial,
            &info.asset_tag,
            "",
        ],
    );
    let chassis_off = 1u8; // in 8-byte units, right after the 8-byte header
    let board_off = chassis_off + (chassis.len() / 8) as u8;
    let product_off = board_off + (board.len() / 8) as u8;
    let mut header = vec![0x01, 0x00, chassis_off, board_off, product_off, 0x00, 0x00];
    header.push(checksum(&header));
    let mut img = header;
    img.extend(chassis);
    img.extend(board);
    img.extend(product);
    img
}

/// An info area: version 1, length, `head` (area-specific fixed bytes), the
/// fields as 8-bit ASCII type/length strings, the end marker C1h, padding
/// and the checksum.
fn area(head: Vec<u8>, fields: &[&str]) -> Vec<u8> {
    let mut a = vec![0x01, 0x00];
    a.extend(head);
    for f in fields {
        let b = &f.as_bytes()[..f.len().min(63)];
        a.push(0xC0 | b.len() as u8);
        a.extend_from_slice(b);
    }
    a.push(0xC1);
    while (a.len() + 1) % 8 != 0 {
        a.push(0x00);
    }
    a[1] = ((a.len() + 1) / 8) as u8;
    let c = checksum(&a);
    a.push(c);
    a
}

/// Zero checksum: the byte that makes the sum of `bytes` and itself 0 mod 256.
pub fn checksum(bytes: &[u8]) -> u8 {
    bytes
        .iter()
        .fold(0u8, |s, b| s.wrapping_add(*b))
        .wrapping_neg()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(b: &[u8]) -> u8 {
        b.iter().fold(0u8, |s, x| s.wrapping_add(*x))
    }

    #[test]
    fn areas_are_aligned_and_checksummed() {
        let img = build_image(&FruInfo::default(), 12345);
        assert_eq!(sum(&img[..8]), 0, "common header checksum");
        for off in [img[2], img[3], img[4]] {
            let start = usize::from(off) * 8;
            let len = usize::from(img[start + 1]) * 8;
            assert_eq!(img[start], 0x01);
            assert_eq!(sum(&img[start..start + len]), 0, "area at {start}");
        }
        let board = usize::from(img[3]) * 8;
        assert_eq!(img[board + 6], 0xC0 | 15, "board manufacturer type/length");
        assert_eq!(&img[board + 7..board + 22], b"Harness Systems");
    }
}
