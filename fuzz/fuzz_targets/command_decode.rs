//! Command decoding as the API and `orders exec` do it: any bytes are either refused
//! (a field-level refusal names its field) or decode to a command; never a panic, and
//! decoding the same text twice gives the same answer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use report::command::CommandDto;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(dto) = serde_json::from_str::<CommandDto>(text) else {
        return;
    };
    let first = dto.into_command().map(|c| format!("{c:?}"));
    if let Err(e) = &first {
        assert!(!e.field.is_empty(), "a refusal names no field: {e:?}");
    }
    let dto = serde_json::from_str::<CommandDto>(text).expect("decoded once");
    let second = dto.into_command().map(|c| format!("{c:?}"));
    assert_eq!(
        first.as_ref().map_err(|e| &e.message),
        second.as_ref().map_err(|e| &e.message)
    );
});
