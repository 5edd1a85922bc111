// SPDX-License-Identifier: GPL-3.0-or-later
#include "bencode/encoder.h"

namespace swarmshare::bencode {

namespace {

void appendString(QByteArray& out, const QByteArray& string)
{
    out += QByteArray::number(string.size());
    out += ':';
    out += string;
}

// Recursion is bounded by the value's own nesting: values come from code (shallow) or from
// decode(), whose depth limit keeps them shallow too.
void append(QByteArray& out, const Value& value)
{
    switch (value.type()) {
    case Value::Type::Integer:
        out += 'i';
        out += QByteArray::number(value.toInteger());
        out += 'e';
        return;
    case Value::Type::String:
        appendString(out, value.toString());
        return;
    case Value::Type::List:
        out += 'l';
        for (const Value& item : value.toList())
            append(out, item);
        out += 'e';
        return;
    case Value::Type::Dict:
        out += 'd';
        for (const auto& [key, item] : value.toDict()) {
            appendString(out, key);
            append(out, item);
        }
        out += 'e';
        return;
    }
}

} // namespace

QByteArray encode(const Value& value)
{
    QByteArray out;
    append(out, value);
    return out;
}

} // namespace swarmshare::bencode
