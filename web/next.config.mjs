/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The platform's root has its own lockfile; this app is built from web/ on its own.
  outputFileTracingRoot: import.meta.dirname,
};
export default nextConfig;
