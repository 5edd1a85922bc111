// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace swarmshare {

// An error that stops at a boundary: the message is complete and meant for a person (already
// translated where it is user-visible); `offset` is a byte position in the input when known;
// `code` is a machine-readable kind where callers must tell failures apart ("conflict",
// "not_found", "unavailable", ...), empty otherwise.
struct Error {
    QString message;
    qint64 offset = -1;
    QString code = {};
};

// Result<T> carries either a value or an Error. Used wherever a failure is an expected outcome
// (untrusted input, disk, network) rather than a programming error.
template<typename T>
class [[nodiscard]] Result {
public:
    Result(T value)
        : m_state(std::move(value))
    {}
    Result(Error error)
        : m_state(std::move(error))
    {}

    bool ok() const { return std::holds_alternative<T>(m_state); }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<T>(m_state); }
    const T& value() const& { return std::get<T>(m_state); }
    T&& value() && { return std::get<T>(std::move(m_state)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const { return std::get<Error>(m_state); }

private:
    std::variant<T, Error> m_state;
};

template<>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error)
        : m_error(std::move(error))
    {}

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return *m_error; }

private:
    std::optional<Error> m_error;
};

inline Error makeError(QString message, qint64 offset = -1)
{
    return Error{std::move(message), offset};
}

inline Error makeCodedError(QString code, QString message)
{
    return Error{std::move(message), -1, std::move(code)};
}

} // namespace swarmshare
