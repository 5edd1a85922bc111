// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bencode/value.h"

namespace swarmshare::bencode {

// The canonical bencoding of `value`: dictionary keys in raw byte order, integers without
// leading zeros. For any input that decode() accepts, encode(decode(input)) == input.
QByteArray encode(const Value& value);

} // namespace swarmshare::bencode
