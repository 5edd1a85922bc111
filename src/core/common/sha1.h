// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <memory>

namespace swarmshare {

// SHA-1 over OpenSSL's EVP interface, which uses the CPU's SHA instructions where they exist
// (about twice the speed of QCryptographicHash on this project's reference machine). Pieces and
// info-hashes are SHA-1 in BitTorrent v1, so this sits on every hot path that hashes data.
class Sha1 {
public:
    static constexpr int kSize = 20;

    Sha1();
    ~Sha1();
    Sha1(const Sha1&) = delete;
    Sha1& operator=(const Sha1&) = delete;

    void addData(QByteArrayView data);
    // Returns the 20-byte digest and resets, ready for the next message.
    QByteArray result();

    static QByteArray hash(QByteArrayView data);

private:
    struct Context;
    std::unique_ptr<Context> m_context;
};

} // namespace swarmshare
