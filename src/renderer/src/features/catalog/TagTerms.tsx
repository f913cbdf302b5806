/** The Tags row of a details list; nothing when there are no tags. */
export function TagTerms({ tags }: { tags: readonly string[] }) {
  if (!tags.length) return null;
  return (
    <>
      <dt>Tags</dt>
      <dd>
        {tags.map((t) => (
          <span key={t} className="tag">
            {t}
          </span>
        ))}
      </dd>
    </>
  );
}
