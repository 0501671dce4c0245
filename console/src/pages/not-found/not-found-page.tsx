import { Link } from '../../router/router.tsx';

export function NotFoundPage() {
  return (
    <section className="page">
      <h1>Page not found</h1>
      <p>
        Nothing lives at this address. <Link to="/flags">Go to the flags</Link>.
      </p>
    </section>
  );
}
