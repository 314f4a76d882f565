using MoT.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MoT.Data.Configurations;

internal sealed class RunTagConfiguration : IEntityTypeConfiguration<RunTag>
{
    public void Configure(EntityTypeBuilder<RunTag> builder)
    {
        builder.ToTable("run_tags");
        builder.HasKey(t => new { t.RunId, t.Tag });
        builder.Property(t => t.Tag).HasMaxLength(100);
        builder.HasIndex(t => t.Tag);
    }
}
