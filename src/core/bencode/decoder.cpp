// SPDX-License-Identifier: GPL-3.0-or-later
// A strict, non-recursive bencode decoder. Containers being built live on an explicit stack
// whose height is checked before each push, so hostile nesting costs heap, never call stack.
#include "bencode/decoder.h"

#include <QCoreApplication>
#include <QtNumeric>

#include <limits>
#include <optional>
#include <vector>

namespace swarmshare::bencode {

namespace {

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// Untrusted bytes in a message: printable ASCII as is, anything else as \xNN, cut short.
QString printable(QByteArrayView bytes)
{
    constexpr qsizetype kShown = 40;
    QString text;
    for (const char c : bytes.first(qMin(bytes.size(), kShown))) {
        if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
            text += QLatin1Char(c);
        else
            text += QStringLiteral("\\x%1").arg(uchar(c), 2, 16, QLatin1Char('0'));
    }
    if (bytes.size() > kShown)
        text += QStringLiteral("...");
    return text;
}

class Decoder {
    Q_DECLARE_TR_FUNCTIONS(Decoder)

public:
    Decoder(QByteArrayView input, const DecodeLimits& limits, std::map<QByteArray, Span>* spans)
        : m_input(input)
        , m_limits(limits)
        , m_maxDepth(qMin(limits.maxDepth, DecodeLimits::kHardMaxDepth))
        , m_spans(spans)
    {}

    Result<Value> run();

private:
    struct Frame {
        qsizetype start = 0;
        bool isDict = false;
        bool hasKey = false;
        QByteArray key; // read, waiting for its value
        Value::List list;
        Value::Dict dict;
    };

    static Error fail(const QString& reason, qsizetype offset)
    {
        return makeError(tr("bencode: %1 at offset %2").arg(reason).arg(offset), offset);
    }
    QString describeByte(qsizetype at) const;
    Error truncated() const;
    bool expectingKey() const
    {
        return !m_stack.empty() && m_stack.back().isDict && !m_stack.back().hasKey;
    }

    Result<std::optional<Value>> readValue();
    std::optional<Error> readKey();
    Result<qint64> readInteger();
    Result<QByteArray> readString();
    Value close(qsizetype& start);
    void attach(Value value, qsizetype start);

    QByteArrayView m_input;
    DecodeLimits m_limits;
    int m_maxDepth;
    std::map<QByteArray, Span>* m_spans;
    qsizetype m_pos = 0;
    qsizetype m_tokens = 0;
    std::vector<Frame> m_stack;
};

Result<Value> Decoder::run()
{
    if (m_input.size() > m_limits.maxInputSize)
        return fail(tr("input of %1 bytes exceeds the limit of %2 bytes")
                        .arg(m_input.size())
                        .arg(m_limits.maxInputSize),
                    0);
    for (;;) {
        if (m_pos >= m_input.size())
            return truncated();
        qsizetype start = m_pos;
        std::optional<Value> done;
        if (!m_stack.empty() && m_input[m_pos] == 'e') {
            if (m_stack.back().hasKey)
                return fail(
                    tr("dictionary key \"%1\" has no value").arg(printable(m_stack.back().key)),
                    m_pos);
            done = close(start);
        } else if (++m_tokens > m_limits.maxTokens) {
            return fail(tr("more than %1 values").arg(m_limits.maxTokens), m_pos);
        } else if (expectingKey()) {
            if (std::optional<Error> error = readKey())
                return *error;
            continue;
        } else {
            Result<std::optional<Value>> token = readValue();
            if (!token)
                return token.error();
            if (!token->has_value())
                continue; // a list or dictionary was opened
            done = std::move(**token);
        }
        if (m_stack.empty()) {
            if (m_pos != m_input.size())
                return fail(tr("trailing data after the value"), m_pos);
            return std::move(*done);
        }
        attach(std::move(*done), start);
    }
}

QString Decoder::describeByte(qsizetype at) const
{
    const char c = m_input[at];
    if (c > 0x20 && c < 0x7f)
        return tr("unexpected character '%1'").arg(QLatin1Char(c));
    return tr("unexpected byte 0x%1").arg(uchar(c), 2, 16, QLatin1Char('0'));
}

Error Decoder::truncated() const
{
    if (m_stack.empty())
        return fail(tr("empty input"), m_pos);
    const Frame& top = m_stack.back();
    return fail(tr("truncated input: %1 opened at offset %2 is not closed")
                    .arg(typeName(top.isDict ? Value::Type::Dict : Value::Type::List))
                    .arg(top.start),
                m_pos);
}

Result<std::optional<Value>> Decoder::readValue()
{
    const char c = m_input[m_pos];
    if (c == 'i') {
        Result<qint64> integer = readInteger();
        if (!integer)
            return integer.error();
        return std::optional<Value>(Value(*integer));
    }
    if (isDigit(c)) {
        Result<QByteArray> string = readString();
        if (!string)
            return string.error();
        return std::optional<Value>(Value(std::move(*string)));
    }
    if (c == 'l' || c == 'd') {
        if (qsizetype(m_stack.size()) >= m_maxDepth)
            return fail(tr("nesting deeper than %1 levels").arg(m_maxDepth), m_pos);
        Frame frame;
        frame.start = m_pos++;
        frame.isDict = c == 'd';
        m_stack.push_back(std::move(frame));
        return std::optional<Value>();
    }
    return fail(describeByte(m_pos), m_pos);
}

std::optional<Error> Decoder::readKey()
{
    const qsizetype start = m_pos;
    if (!isDigit(m_input[m_pos]))
        return fail(tr("dictionary key is not a byte string"), start);
    Result<QByteArray> key = readString();
    if (!key)
        return key.error();
    Frame& frame = m_stack.back();
    if (!frame.dict.empty()) {
        // Keys must rise strictly in raw byte order; QByteArray compares bytes unsigned.
        const QByteArray& last = frame.dict.rbegin()->first;
        if (*key == last)
            return fail(tr("duplicate dictionary key \"%1\"").arg(printable(*key)), start);
        if (*key < last)
            return fail(tr("dictionary key \"%1\" is out of order (after \"%2\")")
                            .arg(printable(*key), printable(last)),
                        start);
    }
    frame.key = std::move(*key);
    frame.hasKey = true;
    return std::nullopt;
}

Result<qint64> Decoder::readInteger()
{
    const qsizetype start = m_pos++;
    const bool negative = m_pos < m_input.size() && m_input[m_pos] == '-';
    if (negative)
        ++m_pos;
    const qsizetype digits = m_pos;
    // Accumulated as a negative number so that the minimum qint64 fits.
    qint64 value = 0;
    while (m_pos < m_input.size() && isDigit(m_input[m_pos])) {
        if (m_pos > digits && m_input[digits] == '0')
            return fail(tr("leading zero in integer"), digits);
        if (qMulOverflow(value, qint64(10), &value) ||
            qSubOverflow(value, qint64(m_input[m_pos] - '0'), &value))
            return fail(tr("integer does not fit in 64 bits"), m_pos);
        ++m_pos;
    }
    if (m_pos >= m_input.size())
        return fail(tr("truncated input: integer at offset %1 is not closed").arg(start), m_pos);
    if (m_input[m_pos] != 'e')
        return fail(tr("%1 in integer").arg(describeByte(m_pos)), m_pos);
    if (m_pos == digits)
        return fail(negative ? tr("no digits after '-' in integer") : tr("empty integer"), m_pos);
    if (negative && value == 0)
        return fail(tr("negative zero"), start);
    if (!negative && value == std::numeric_limits<qint64>::min())
        return fail(tr("integer does not fit in 64 bits"), m_pos - 1);
    ++m_pos;
    return negative ? value : -value;
}

Result<QByteArray> Decoder::readString()
{
    const qsizetype start = m_pos;
    qint64 length = 0;
    while (m_pos < m_input.size() && isDigit(m_input[m_pos])) {
        if (m_pos > start && m_input[start] == '0')
            return fail(tr("leading zero in string length"), start);
        if (qMulOverflow(length, qint64(10), &length) ||
            qAddOverflow(length, qint64(m_input[m_pos] - '0'), &length))
            return fail(tr("string length does not fit in 64 bits"), m_pos);
        ++m_pos;
    }
    if (m_pos >= m_input.size())
        return fail(tr("truncated input: string length at offset %1 has no ':'").arg(start), m_pos);
    if (m_input[m_pos] != ':')
        return fail(tr("%1 in string length").arg(describeByte(m_pos)), m_pos);
    ++m_pos;
    if (length > m_limits.maxStringLength)
        return fail(tr("string of %1 bytes exceeds the limit of %2 bytes")
                        .arg(length)
                        .arg(m_limits.maxStringLength),
                    start);
    if (length > m_input.size() - m_pos)
        return fail(tr("truncated input: string at offset %1 needs %2 bytes, %3 remain")
                        .arg(start)
                        .arg(length)
                        .arg(m_input.size() - m_pos),
                    m_input.size());
    QByteArray string(m_input.data() + m_pos, qsizetype(length));
    m_pos += qsizetype(length);
    return string;
}

Value Decoder::close(qsizetype& start)
{
    ++m_pos;
    Frame frame = std::move(m_stack.back());
    m_stack.pop_back();
    start = frame.start;
    return frame.isDict ? Value(std::move(frame.dict)) : Value(std::move(frame.list));
}

void Decoder::attach(Value value, qsizetype start)
{
    Frame& parent = m_stack.back();
    if (!parent.isDict) {
        parent.list.append(std::move(value));
        return;
    }
    if (m_spans && m_stack.size() == 1)
        m_spans->emplace(parent.key, Span{start, m_pos - start});
    // Keys arrive sorted, so the end is always the right place: constant time per insert.
    parent.dict.emplace_hint(parent.dict.end(), std::move(parent.key), std::move(value));
    parent.key = QByteArray();
    parent.hasKey = false;
}

} // namespace

Result<Value> decode(QByteArrayView input, const DecodeLimits& limits)
{
    return Decoder(input, limits, nullptr).run();
}

Result<SpannedValue> decodeWithSpans(QByteArrayView input, const DecodeLimits& limits)
{
    SpannedValue result;
    Result<Value> value = Decoder(input, limits, &result.entrySpans).run();
    if (!value)
        return value.error();
    result.value = std::move(*value);
    return result;
}

} // namespace swarmshare::bencode
