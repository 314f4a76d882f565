using MoT.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MoT.Data.Configurations;

internal sealed class MetricPointConfiguration : IEntityTypeConfiguration<MetricPoint>
{
    public void Configure(EntityTypeBuilder<MetricPoint> builder)
    {
        builder.ToTable("metric_points");
        // The natural key is the unique (run, name, step) index: no surrogate id, so one B-tree per row
        // instead of two, and the ingest upsert targets it directly.
        builder.HasKey(m => new { m.RunId, m.Name, m.Step });
        builder.Property(m => m.Name).HasMaxLength(Ingest.MetricIngestor.MaxNameLength).IsOrdinalText();
        // No foreign key to runs on purpose: PostgreSQL checks one per row, which halved bulk ingest (measured).
        // The batch writers check the batch's runs once (locking them against deletion until commit) instead,
        // and deleting a run must delete its metric points itself.
    }
}
