using MoT.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MoT.Data.Configurations;

internal sealed class SweepConfiguration : IEntityTypeConfiguration<Sweep>
{
    public void Configure(EntityTypeBuilder<Sweep> builder)
    {
        builder.ToTable("sweeps");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Name).HasMaxLength(200);
        // Room for the longest status name (CompletedWithFailures).
        builder.Property(s => s.Status).HasConversion<string>().HasMaxLength(32);
        builder.Property(s => s.SpecJson).IsJsonDocument();
        builder.Property(s => s.SearchStateJson).IsJsonDocument();
        builder.HasOne(s => s.Owner).WithMany().HasForeignKey(s => s.OwnerId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(s => s.OwnerId);
        builder.HasIndex(s => s.CreatedAt);
    }
}
