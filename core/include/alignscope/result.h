#pragma once
// Recoverable failures come back as values, never as exceptions across
// layers. ErrorKind maps one-to-one onto the CLI's exit codes.

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace alignscope {

enum class ErrorKind {
    Usage = 2,      ///< bad arguments or options
    BadFile = 3,    ///< unreadable or invalid file
    BadInput = 4,   ///< invalid sentence or text input
    Cancelled = 5,  ///< work cancelled by the caller
    Internal = 1,   ///< anything else (I/O failure on write, ...)
};

/// One-line, user-facing error: names the file/field and what to do.
struct Error {
    ErrorKind kind = ErrorKind::Internal;
    std::string message;
};

inline Error usageError(std::string m) { return {ErrorKind::Usage, std::move(m)}; }
inline Error fileError(std::string m) { return {ErrorKind::BadFile, std::move(m)}; }
inline Error inputError(std::string m) { return {ErrorKind::BadInput, std::move(m)}; }

/// A value or an Error (a small std::expected for C++20).
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_data(std::move(value)) {}
    Result(Error error) : m_data(std::move(error)) {}

    bool ok() const { return m_data.index() == 0; }
    explicit operator bool() const { return ok(); }

    T &value() & { assert(ok()); return std::get<0>(m_data); }
    const T &value() const & { assert(ok()); return std::get<0>(m_data); }
    T &&value() && { assert(ok()); return std::get<0>(std::move(m_data)); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }

    const Error &error() const { assert(!ok()); return std::get<1>(m_data); }

private:
    std::variant<T, Error> m_data;
};

/// Result for operations with no value.
template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)) {}
    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error &error() const { assert(!ok()); return *m_error; }

private:
    std::optional<Error> m_error;
};

} // namespace alignscope
