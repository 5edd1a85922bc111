// SPDX-License-Identifier: GPL-3.0-or-later
#include "bencode/value.h"

#include <QCoreApplication>

namespace swarmshare::bencode {

namespace {

// Context for the type names used in messages; named after what people see them in.
class BencodeValue {
    Q_DECLARE_TR_FUNCTIONS(BencodeValue)

public:
    static QString name(Value::Type type)
    {
        switch (type) {
        case Value::Type::Integer:
            return tr("integer");
        case Value::Type::String:
            return tr("byte string");
        case Value::Type::List:
            return tr("list");
        case Value::Type::Dict:
            return tr("dictionary");
        }
        return {};
    }
};

} // namespace

Value::Value(qint64 integer)
    : m_data(integer)
{}

Value::Value(QByteArray string)
    : m_data(std::move(string))
{}

Value::Value(List list)
    : m_data(std::move(list))
{}

Value::Value(Dict dict)
    : m_data(std::move(dict))
{}

qint64 Value::toInteger() const
{
    const qint64* integer = std::get_if<qint64>(&m_data);
    return integer ? *integer : 0;
}

const QByteArray& Value::toString() const
{
    static const QByteArray empty;
    const QByteArray* string = std::get_if<QByteArray>(&m_data);
    return string ? *string : empty;
}

const Value::List& Value::toList() const
{
    static const List empty;
    const List* list = std::get_if<List>(&m_data);
    return list ? *list : empty;
}

const Value::Dict& Value::toDict() const
{
    static const Dict empty;
    const Dict* dict = std::get_if<Dict>(&m_data);
    return dict ? *dict : empty;
}

const Value* Value::find(QByteArrayView key) const
{
    const Dict* dict = std::get_if<Dict>(&m_data);
    if (!dict)
        return nullptr;
    // A raw-data QByteArray borrows the caller's bytes: no allocation for the lookup.
    const auto it = dict->find(QByteArray::fromRawData(key.data(), key.size()));
    return it == dict->end() ? nullptr : &it->second;
}

bool operator==(const Value& a, const Value& b)
{
    return a.m_data == b.m_data;
}

QString typeName(Value::Type type)
{
    return BencodeValue::name(type);
}

} // namespace swarmshare::bencode
