/*
 * NAME
 *	fuzz_dkim_key.h - the public DKIM key behind the signed fuzz seeds
 * DESCRIPTION
 *	Written by make_seeds (t/fuzz/build-and-run.sh seeds), which signs
 *	the seeds with a key made for that run and then throws the private
 *	half away. The harnesses publish this key as sel._domainkey of
 *	example.com and example.org in their DKIM key file.
 */
#ifndef FUZZ_DKIM_KEY_H
#define FUZZ_DKIM_KEY_H

#define FZ_DKIM_PUBLIC_KEY "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCae3bgwuwQaJolMQvKa54L0W8XvQz8xHLg+d34DC1Sfiq3MyYZo+t23X4CQtzjE+fulwZADCKpM5wbKz2SniBdMS7Y/979dgi1Q4KhuwvQvpCvSRrT0COIjsEdbWHHPnSCBaT5m6j0vXnV4ADmMxIkW6UMNiClNEJU9yACSKSlIwIDAQAB"

#endif
