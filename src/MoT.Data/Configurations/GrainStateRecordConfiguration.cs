using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using MoT.Data.Entities;

namespace MoT.Data.Configurations;

public sealed class GrainStateRecordConfiguration : IEntityTypeConfiguration<GrainStateRecord>
{
    public void Configure(EntityTypeBuilder<GrainStateRecord> builder)
    {
        builder.ToTable("grain_states");
        builder.HasKey(g => g.Key);
        builder.Property(g => g.Key).HasMaxLength(512);
        builder.Property(g => g.ETag).HasMaxLength(64).IsConcurrencyToken();
        builder.Property(g => g.Data).IsRequired();
    }
}
