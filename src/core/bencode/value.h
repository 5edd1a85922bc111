// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <map>
#include <variant>

namespace swarmshare::bencode {

// One bencoded value: an integer, a byte string, a list or a dictionary. Dictionaries are kept
// in std::map so that keys stay sorted by raw bytes, which is the order bencode requires; that
// makes encode() canonical without a sort step. A default-constructed Value is the integer 0.
class Value {
public:
    enum class Type { Integer, String, List, Dict };
    using List = QList<Value>;
    using Dict = std::map<QByteArray, Value>;

    Value() = default;
    Value(qint64 integer);
    Value(QByteArray string);
    Value(List list);
    Value(Dict dict);

    Type type() const { return Type(m_data.index()); }
    bool isInteger() const { return type() == Type::Integer; }
    bool isString() const { return type() == Type::String; }
    bool isList() const { return type() == Type::List; }
    bool isDict() const { return type() == Type::Dict; }

    // Accessors of the wrong type return 0 or an empty value rather than asserting, so that
    // validation code can read a field and then check it without branching twice.
    qint64 toInteger() const;
    const QByteArray& toString() const;
    const List& toList() const;
    const Dict& toDict() const;

    // The value stored under `key` in a dictionary; nullptr when absent or not a dictionary.
    const Value* find(QByteArrayView key) const;

    friend bool operator==(const Value& a, const Value& b);

private:
    std::variant<qint64, QByteArray, List, Dict> m_data;
};

// A name for a type in error messages ("integer", "byte string", "list", "dictionary").
QString typeName(Value::Type type);

} // namespace swarmshare::bencode
