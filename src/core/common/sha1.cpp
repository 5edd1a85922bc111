// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/sha1.h"

#include <openssl/evp.h>
#include <stdexcept>

namespace swarmshare {

struct Sha1::Context {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(ctx); }
};

Sha1::Sha1()
    : m_context(std::make_unique<Context>())
{
    // Allocation failure or a missing digest is a broken installation, not a runtime condition.
    if (!m_context->ctx || EVP_DigestInit_ex(m_context->ctx, EVP_sha1(), nullptr) != 1)
        throw std::runtime_error("OpenSSL SHA-1 is unavailable");
}

Sha1::~Sha1() = default;

void Sha1::addData(QByteArrayView data)
{
    EVP_DigestUpdate(m_context->ctx, data.data(), size_t(data.size()));
}

QByteArray Sha1::result()
{
    QByteArray digest(kSize, Qt::Uninitialized);
    unsigned int length = 0;
    EVP_DigestFinal_ex(m_context->ctx, reinterpret_cast<unsigned char*>(digest.data()), &length);
    EVP_DigestInit_ex(m_context->ctx, EVP_sha1(), nullptr);
    return digest;
}

QByteArray Sha1::hash(QByteArrayView data)
{
    QByteArray digest(kSize, Qt::Uninitialized);
    unsigned int length = 0;
    EVP_Digest(data.data(), size_t(data.size()), reinterpret_cast<unsigned char*>(digest.data()),
               &length, EVP_sha1(), nullptr);
    return digest;
}

} // namespace swarmshare
